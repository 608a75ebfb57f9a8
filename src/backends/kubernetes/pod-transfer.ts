/**
 * How a pod gets its attempt's folder from Trellis and sends back what the attempt left, with
 * no credential but the token in the two URLs and no tool of its own in the job's image: both
 * steps run in the transfer image (curlimages/curl: curl and busybox sh and tar). The download is
 * an init container; the upload is a second container beside the job's, sharing the work folder.
 * Its curl cannot be copied into the job's image (it is linked against Alpine's musl and
 * libcurl), so it stays in its own container and waits there for the job's to finish.
 *
 * The handshake is two files in `<work>/.trellis`: the main container's launcher rewrites
 * `alive` every 5 s and writes `exit_code` once every process of the pod has ended (after a
 * TERM too, once the processes have saved what they save), having made what they wrote readable
 * by any user (the two images may run as different users). The upload container ignores TERM,
 * so an eviction's TERM does not stop it before there is anything to send; it sends user_logs,
 * outputs, checkpoints and code/outputs as one tar when `exit_code` appears, or when `alive` has
 * not changed for a minute (the main container was killed), and exits 0 once Trellis has them.
 * Both must fit in the pod's terminationGracePeriodSeconds after an eviction's TERM.
 */

/** What a pod sends back, relative to the attempt's folder: what finalize-attempt reads after a run. */
export const resultFolders = ['user_logs', 'outputs', 'checkpoints', 'code/outputs'] as const;

/** The folder under the work folder where the two containers leave each other notes. */
export const podStateFolder = '.trellis';

/** Seconds without a heartbeat after which the upload container stops waiting for exit_code. */
export const heartbeatTimeoutSeconds = 60;

/** The init container's script: downloads the bundle into `workDir` and lets any user write there. */
export function fetchBundleScript(workDir: string): string {
  const state = `${workDir}/${podStateFolder}`;
  return [
    'set -eu',
    `mkdir -p ${state}`,
    // Not every sh has pipefail: a failed download leaves a mark instead.
    'unpacked=yes',
    `(curl -fsSL --retry 5 --retry-connrefused "$TRELLIS_BUNDLE_URL" || touch ${state}/fetch-failed) | tar -x -f - -C ${workDir} || unpacked=no`,
    `if [ -e ${state}/fetch-failed ] || [ "$unpacked" = no ]; then echo "fetch-bundle: could not download the attempt's folder from Trellis" >&2; exit 1; fi`,
    // The transfer image runs as its own user; the job's image may run as any other.
    `chmod -R a+rwX ${workDir}`,
  ].join('\n');
}

/** The upload container's script (POSIX sh): waits for the main container, then PUTs the results tar to $TRELLIS_RESULTS_URL. */
export function uploadResultsScript(workDir: string, silenceSeconds = heartbeatTimeoutSeconds): string {
  const state = `${workDir}/${podStateFolder}`;
  return [
    'set -u',
    `state=${state}`,
    `trap 'echo "upload-results: TERM received; sending the results once the processes of the job have ended"' TERM`,
    "last=''",
    'still=0',
    'while [ ! -f "$state/exit_code" ]; do',
    '  beat=$(cat "$state/alive" 2>/dev/null || true)',
    '  if [ "$beat" = "$last" ]; then still=$((still + 1)); else still=0; last=$beat; fi',
    `  if [ "$still" -ge ${silenceSeconds} ]; then echo "upload-results: the main container stopped without an exit code; sending what there is"; break; fi`,
    '  sleep 1',
    'done',
    `cd ${workDir} || exit 1`,
    'set --',
    `for folder in ${resultFolders.join(' ')}; do if [ -e "$folder" ]; then set -- "$@" "$folder"; fi; done`,
    'if [ "$#" -eq 0 ]; then echo "upload-results: nothing to send"; exit 0; fi',
    // Streamed (curl -T - sends it chunked): checkpoints can be larger than the container's memory.
    'for try in 1 2 3 4 5; do',
    `  if tar -c -f - "$@" | curl -fsS -T - -H 'Content-Type: application/x-tar' "$TRELLIS_RESULTS_URL"; then echo; echo "upload-results: sent $*"; exit 0; fi`,
    '  sleep $((try * 2))',
    'done',
    'echo "upload-results: could not send the results to Trellis" >&2',
    'exit 1',
  ].join('\n');
}
