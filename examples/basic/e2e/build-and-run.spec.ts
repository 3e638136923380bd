import { canvasEdges, canvasNode, canvasNodes, connect, dragFromPalette, nodeSettings, statusOf, toolbar } from './support/editor';
import { expect, test } from './support/fixtures';

test('a person builds Text → LLM → Debug, saves, runs it with the answer streaming in, and finds it all again after a reload', async ({
  page,
  signIn,
  llm,
  snap,
}) => {
  const prompt = 'Name a colour of the sky.';
  const answer = ['The', ' sky', ' is', ' blue', ' today.'];

  await signIn(page);
  await page.getByRole('button', { name: 'New' }).click();
  await page.getByRole('button', { name: /^Blank workflow/ }).click();
  await expect(page).toHaveURL(/\/w\/[^/]+$/);
  const workflowUrl = page.url();

  await test.step('drag Text, LLM and Debug from the palette and connect them', async () => {
    // Each node lands where it is dropped, the pointer on its header.
    // Text left of the centre, LLM (a tall node) at it, Debug to its right.
    await dragFromPalette(page, 'Text', { x: -340, y: -60 });
    await dragFromPalette(page, 'LLM', { x: 0, y: -340 });
    await dragFromPalette(page, 'Debug', { x: 340, y: -60 });
    await expect(canvasNodes(page)).toHaveCount(3);
    await connect(page, { node: 'Text', output: 'Text' }, { node: 'LLM', input: 'Prompt' });
    await connect(page, { node: 'LLM', output: 'Text' }, { node: 'Debug', input: 'Value' });
    await expect(canvasEdges(page)).toHaveCount(2);
  });

  await test.step('type the prompt and save', async () => {
    await (await nodeSettings(page, 'Text')).getByRole('textbox', { name: 'Text' }).fill(prompt);
    await expect(toolbar(page).getByText('Unsaved changes')).toBeVisible();
    await toolbar(page).getByRole('button', { name: 'Save', exact: true }).click();
    await expect(toolbar(page).getByText('All changes saved')).toBeVisible();
    await snap(page, 'built-and-saved');
  });

  await test.step('run: the answer streams in token by token, then every node succeeds', async () => {
    llm.enqueue({ type: 'text', chunks: answer, chunkDelayMs: 400 });
    await toolbar(page).getByRole('button', { name: 'Run', exact: true }).click();

    const llmNode = canvasNode(page, 'LLM');
    await expect(statusOf(llmNode, 'Running')).toBeVisible();
    // Part of the answer and not yet all of it, while the model is still answering: any
    // strict prefix counts, so the 1.6 s between first and last token is the window to see it.
    const partial = answer.slice(1).map((_, i) => escapeRegExp(answer.slice(0, i + 1).join('')));
    await expect(llmNode.getByRole('log', { name: 'Streaming output' })).toHaveText(
      new RegExp(`^(${partial.join('|')})$`),
    );
    await snap(page, 'streaming');

    await expect(toolbar(page).getByText('Run succeeded')).toBeVisible();
    for (const label of ['Text', 'LLM', 'Debug'])
      await expect(statusOf(canvasNode(page, label), 'Done')).toBeVisible();
    await expect(llmNode.getByRole('region', { name: 'Output' })).toHaveText(answer.join(''));
    // Which provider and model answered, under the answer.
    await expect(llmNode.getByText('Answered by gemini · gemini-2.5-flash')).toBeVisible();
    await expect(canvasNode(page, 'Debug').getByRole('region', { name: 'Output' })).toHaveText(
      answer.join(''),
    );
    await snap(page, 'run-succeeded');

    // What the person typed is what the model was asked, through the streaming endpoint.
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]).toMatchObject({ api: 'gemini', stream: true, prompt });
  });

  await test.step('reload: the workflow is still there', async () => {
    await page.reload();
    await expect(page).toHaveURL(workflowUrl);
    await expect(canvasNodes(page)).toHaveCount(3);
    await expect(canvasEdges(page)).toHaveCount(2);
    await expect((await nodeSettings(page, 'Text')).getByRole('textbox', { name: 'Text' })).toHaveValue(
      prompt,
    );
    await expect(toolbar(page).getByText('All changes saved')).toBeVisible();
    // The list counts the run.
    await expect(
      page
        .getByRole('navigation', { name: 'Workflows' })
        .getByRole('link', { name: /Untitled workflow/ }),
    ).toContainText('1 run · last success');
  });

  await test.step('the history panel lists the run, and opening it paints its outputs', async () => {
    await expect(canvasNode(page, 'LLM').getByRole('region', { name: 'Output' })).toHaveCount(0);
    await toolbar(page).getByRole('button', { name: 'History' }).click();
    const history = page.getByRole('complementary', { name: 'Run history' });
    const runs = history.getByRole('button', { name: /^success: open run / });
    await expect(runs).toHaveCount(1);
    await runs.click();

    await expect(toolbar(page).getByText('Past run: Run succeeded')).toBeVisible();
    await expect(history.getByText(/Showing run .* on the canvas/)).toBeVisible();
    for (const label of ['Text', 'LLM', 'Debug'])
      await expect(statusOf(canvasNode(page, label), 'Done')).toBeVisible();
    await expect(canvasNode(page, 'LLM').getByRole('region', { name: 'Output' })).toHaveText(
      answer.join(''),
    );
    await expect(canvasNode(page, 'Debug').getByRole('region', { name: 'Output' })).toHaveText(
      answer.join(''),
    );
    await snap(page, 'history-run-opened');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
