/**
 * `task`, run one at a time. A call while a run is under way gets one more run after it (that run
 * may have started before what the caller wants included), shared by every call made meanwhile:
 * at most one run waits, however many calls come.
 */
export function oneAfterAnother (task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null
  let waiting: Promise<void> | null = null
  const run = async (): Promise<void> => {
    if (running === null) {
      running = task().finally(() => { running = null })
      return await running
    }
    waiting ??= running.catch(() => {}).then(async () => {
      waiting = null
      await run()
    })
    await waiting
  }
  return run
}
