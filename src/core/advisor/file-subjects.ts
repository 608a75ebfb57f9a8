import { subjectsFromArmTemplate } from './arm-subjects.js';
import type { StaticSubject } from './static-subject.js';
import { subjectsFromYaml, type YamlSubjectOptions } from './yaml-subjects.js';

/**
 * The subjects of one file given to `trellis advisor check`: an ARM template (a .json file, or
 * JSON whose $schema is a deploymentTemplate) or an Azure ML CLI v2 YAML file. Pure; throws
 * InvalidInput for a file that cannot be read as either.
 */
export function subjectsFromFile(text: string, fileName: string, options: YamlSubjectOptions = {}): StaticSubject[] {
  return isArmTemplate(text, fileName) ? subjectsFromArmTemplate(text, fileName) : subjectsFromYaml(text, fileName, options);
}

/** The subjects of several files checked together (so a job can be related to the compute file it names). */
export function subjectsFromFiles(files: Iterable<{ name: string; text: string }>, options: YamlSubjectOptions = {}): StaticSubject[] {
  return [...files].flatMap((file) => subjectsFromFile(file.text, file.name, options));
}

function isArmTemplate(text: string, fileName: string): boolean {
  if (/\.json$/i.test(fileName)) return true;
  return text.trimStart().startsWith('{') && /"\$schema"\s*:\s*"[^"]*deploymentTemplate/i.test(text);
}
