import { describe, expect, it } from 'vitest';
import { areaBeside, revealOffset, revealOffsetClearOf } from './revealOffset';

const rect = (left: number, top: number, width: number, height: number) => ({
  left,
  top,
  right: left + width,
  bottom: top + height,
});

describe('revealOffset', () => {
  const area = rect(0, 0, 700, 500);

  it('leaves a node that is already in view where it is', () => {
    expect(revealOffset(rect(100, 100, 280, 180), area)).toEqual({ dx: 0, dy: 0 });
  });

  it('moves a node hidden on the right (under a panel) left, a margin in from the edge', () => {
    expect(revealOffset(rect(600, 100, 280, 180), area, 24)).toEqual({ dx: -204, dy: 0 });
  });

  it('moves a node cut off at the top or the left down and right', () => {
    expect(revealOffset(rect(-50, -30, 280, 180), area, 24)).toEqual({ dx: 74, dy: 54 });
  });

  it('aligns a node bigger than the area on its top-left corner', () => {
    expect(revealOffset(rect(300, 200, 900, 800), area, 24)).toEqual({ dx: -276, dy: -176 });
  });
});

describe('areaBeside', () => {
  const canvas = rect(280, 50, 1000, 750);

  it('ends the area at the left edge of a panel laid over the canvas', () => {
    expect(areaBeside(canvas, rect(960, 50, 320, 750))).toEqual({ ...canvas, right: 960 });
  });

  it('is the whole canvas without a panel, or with one docked beside it', () => {
    expect(areaBeside(canvas, null)).toEqual(canvas);
    expect(areaBeside(canvas, rect(1280, 50, 320, 750))).toEqual(canvas);
  });
});

describe('revealOffsetClearOf', () => {
  const area = rect(0, 0, 700, 500);
  const minimap = rect(485, 335, 200, 150);

  it('moves a node that would land under the minimap up above it', () => {
    // revealOffset alone puts it at x 396..676, y 296..476: under the minimap.
    expect(revealOffsetClearOf(rect(600, 296, 280, 180), area, minimap, 24)).toEqual({
      dx: -204,
      dy: -165,
    });
  });

  it('moves it left of the minimap when it does not fit above', () => {
    expect(revealOffsetClearOf(rect(600, 100, 280, 400), area, minimap, 24)).toEqual({
      dx: -419,
      dy: -24,
    });
  });

  it('is revealOffset when the minimap is out of the way, or absent', () => {
    expect(revealOffsetClearOf(rect(600, 50, 280, 180), area, minimap, 24)).toEqual({
      dx: -204,
      dy: 0,
    });
    expect(revealOffsetClearOf(rect(600, 296, 280, 180), area, null, 24)).toEqual({
      dx: -204,
      dy: 0,
    });
  });
});
