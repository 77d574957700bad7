const DAY_MS = 86_400_000

/**
 * Usage is counted per day in UTC. A test that works out "today" and then reads what the gateway
 * counted would see two days if it ran across midnight UTC, so it starts clear of it: within
 * `marginMs` of midnight, it waits for the new day.
 */
export async function clearOfMidnight (marginMs = 15_000): Promise<void> {
  const left = DAY_MS - (Date.now() % DAY_MS)
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 100))
}
