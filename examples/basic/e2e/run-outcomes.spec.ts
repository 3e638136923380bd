import { askWorkflow, canvasNode, nodeSettings, statusOf, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

test('a provider failing with HTTP 500 fails the LLM node, skips what depends on it, and the error detail shows the code', async ({
  page,
  signIn,
  api,
  llm,
  snap,
}) => {
  // This LLM node makes one attempt (the provider set still retries the 500 itself) and,
  // on failure, skips what depends on it (fail_safe) instead of canceling the run (the
  // default, fail_fast).
  const ask = askWorkflow('Is anyone there?');
  ask.nodes[1]!.data = {
    ...ask.nodes[1]!.data,
    failureMode: 'fail_safe',
    retryPolicy: { maxAttempts: 1 },
  };
  const workflow = await (await api()).createWorkflow({ name: 'Provider outage', ...ask });
  // One 500 for each attempt the provider set makes (3 by default).
  llm.enqueue(
    ...Array.from({ length: 3 }, () => ({
      type: 'error' as const,
      status: 500,
      message: 'Backend on fire',
    })),
  );

  await signIn(page);
  await page.goto(`/w/${workflow.id}`);
  await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();

  await expect(toolbar(page).getByText('Run partly failed')).toBeVisible();
  const answer = canvasNode(page, 'Answer');
  await expect(statusOf(canvasNode(page, 'Question'), 'Done')).toBeVisible();
  await expect(statusOf(answer, 'Failed')).toBeVisible();
  await expect(answer.getByText('E_PROVIDER_UNAVAILABLE')).toBeVisible();
  const show = canvasNode(page, 'Show');
  await expect(statusOf(show, 'Skipped')).toBeVisible();
  await expect(show.getByText('Skipped because "Answer" failed.')).toBeVisible();
  // The toolbar names the failed node by title with its message; a click opens its detail.
  const failure = toolbar(page).getByRole('button', { name: /^"Answer" failed: .*HTTP 500/ });
  await expect(failure).toBeVisible();
  await snap(page, 'provider-failed');
  await failure.click();
  await expect(page.getByRole('complementary', { name: 'Error in Answer' })).toBeVisible();
  await page.getByRole('button', { name: 'Close Error in Answer' }).click();

  await answer.getByRole('button', { name: 'Error details' }).click();
  const detail = page.getByRole('complementary', { name: 'Error in Answer' });
  await expect(detail.getByRole('code')).toHaveText('E_PROVIDER_UNAVAILABLE');
  await expect(detail).toContainText('HTTP 500');
  await expect(detail).toContainText('Backend on fire');
  await expect(detail.getByText(/"status": 500/)).toBeVisible();
  await snap(page, 'error-detail');
  expect(llm.requests.map((request) => request.prompt)).toContain('Is anyone there?');

  // The provider is back: running again succeeds, and clears the failure from the canvas.
  llm.reset();
  llm.enqueue({ type: 'text', text: 'Yes, I am here.' });
  await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();
  await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
  await expect(statusOf(answer, 'Done')).toBeVisible();
  await expect(show.getByRole('region', { name: 'Output' })).toHaveText('Yes, I am here.');
});

test('canceling a long run stops the model mid-answer and shows the run canceled', async ({
  page,
  signIn,
  api,
  llm,
  snap,
}) => {
  const workflow = await (await api()).createWorkflow({
    name: 'Long essay',
    ...askWorkflow('Write a long essay.'),
  });
  const words = Array.from({ length: 40 }, (_, i) => `${i === 0 ? '' : ' '}word${i + 1}`);
  llm.enqueue({ type: 'text', chunks: words, chunkDelayMs: 500 });

  await signIn(page);
  await page.goto(`/w/${workflow.id}`);
  await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();

  const answer = canvasNode(page, 'Answer');
  const stream = answer.getByRole('log', { name: 'Streaming output' });
  await expect(stream).toContainText('word1');
  await snap(page, 'long-run-streaming');
  await toolbar(page).getByRole('button', { name: 'Cancel' }).click();

  await expect(toolbar(page).getByText('Run canceled')).toBeVisible();
  await expect(statusOf(answer, 'Canceled')).toBeVisible();
  // The words already streamed stay on the node, marked as a partial answer.
  const partial = answer.getByRole('region', { name: 'Partial output' });
  await expect(partial).toContainText('word1');
  await expect(answer.getByText(/^Partial: /)).toBeVisible();
  await expect(statusOf(canvasNode(page, 'Show'), 'Done')).toHaveCount(0);
  await expect(toolbar(page).getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
  await snap(page, 'run-canceled');

  // The server hung up on the provider rather than letting the answer run on.
  const request = await llm.waitForClientAbort(5_000);
  expect(request.prompt).toBe('Write a long essay.');

  await toolbar(page).getByRole('button', { name: 'History' }).click();
  await expect(
    page
      .getByRole('complementary', { name: 'Run history' })
      .getByRole('button', { name: /^canceled: open run / }),
  ).toHaveCount(1);

  // The server kept them too: the canceled run, opened from the history after a reload, shows them.
  await page.reload();
  await toolbar(page).getByRole('button', { name: 'History' }).click();
  await page
    .getByRole('complementary', { name: 'Run history' })
    .getByRole('button', { name: /^canceled: open run / })
    .click();
  await expect(canvasNode(page, 'Answer').getByRole('region', { name: 'Partial output' })).toContainText('word1');
});

test('Run with unsaved edits runs what is on the canvas, and saves it first', async ({
  page,
  signIn,
  api,
  llm,
}) => {
  const client = await api();
  const workflow = await client.createWorkflow({ name: 'Edited, then run', ...askWorkflow('Old question') });
  await signIn(page);
  await page.goto(`/w/${workflow.id}`);
  const question = (await nodeSettings(page, 'Question')).getByRole('textbox', { name: 'Text', exact: true });
  await question.fill('New question');
  await expect(toolbar(page).getByText('Unsaved changes')).toBeVisible();

  llm.enqueue({ type: 'text', text: 'A new answer.' });
  await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();
  await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
  await expect(canvasNode(page, 'Show').getByRole('region', { name: 'Output' })).toHaveText('A new answer.');
  expect(llm.requests.map((request) => request.prompt)).toEqual(['New question']);
  await expect(toolbar(page).getByText('All changes saved')).toBeVisible();
  const saved = await client.getWorkflow(workflow.id);
  expect(saved.version).toBe(2);
  expect(saved.nodes.find((node) => node.id === 'question')?.data).toMatchObject({ text: 'New question' });
});
