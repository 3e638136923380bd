import type { Flight } from './attempt';

/**
 * What a run has in flight, in the order it started, linked through fields of the flights
 * themselves. A `Set` did this before: adding an object to one makes V8 give it an identity
 * hash, and the add and delete cost about a twentieth of a cheap node's whole run.
 */
export class Flights {
  private head: Flight | undefined = undefined;
  private tail: Flight | undefined = undefined;

  add(flight: Flight): void {
    if (flight.listed) return;
    flight.listed = true;
    flight.prevFlight = this.tail;
    flight.nextFlight = undefined;
    if (this.tail) this.tail.nextFlight = flight;
    else this.head = flight;
    this.tail = flight;
  }

  /** Takes a flight out; one not in the list is left alone. */
  delete(flight: Flight): void {
    if (!flight.listed) return;
    flight.listed = false;
    const { prevFlight: prev, nextFlight: next } = flight;
    if (prev) prev.nextFlight = next;
    else this.head = next;
    if (next) next.prevFlight = prev;
    else this.tail = prev;
    flight.prevFlight = undefined;
    flight.nextFlight = undefined;
  }

  /** The flights now, in start order: a copy, so aborting them may take them out as it goes. */
  snapshot(): Flight[] {
    const out: Flight[] = [];
    for (let flight = this.head; flight; flight = flight.nextFlight) out.push(flight);
    return out;
  }
}
