import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * node and the batch driver (serving/batch/batch-driver.ts): the built .js, or from the TypeScript
 * sources through the tsx loader. The command of a batch endpoint's scoring job and of a
 * pipeline's parallel step.
 */
export function batchDriverCommand(): string[] {
  const isSource = import.meta.url.endsWith('.ts');
  const script = join(here, '..', '..', 'serving', 'batch', `batch-driver.${isSource ? 'ts' : 'js'}`);
  if (!isSource) return [process.execPath, script];
  return [process.execPath, '--import', import.meta.resolve('tsx'), script];
}
