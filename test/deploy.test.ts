import { fork } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { request } from 'undici'
import { parse, parseAllDocuments } from 'yaml'
import { buildApp } from '../src/app.js'
import { EnvSchema, loadConfig } from '../src/config.js'
import { CLOSE_GRACE_MS } from '../src/server.js'
import bundle from '../versions/index.js'

// The Dockerfile and the files under deploy/ are kept in step with the code: every variable they
// set is one the gateway reads, ports are the gateway's, probes ask routes that exist, and the
// time a platform waits for a stop covers the drain and the close. Docker and Kubernetes do not
// run here; what they would run is checked.

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')
const exists = (path: string) => existsSync(new URL(`../${path}`, import.meta.url))
const yamlFile = (path: string) => parse(read(path), { merge: true })

const CONFIG_NAMES = new Set(Object.keys(EnvSchema.properties))
/** Set in the image for Node and its libraries; evergate does not read it. */
const NOT_OURS = new Set(['NODE_ENV'])
const DEFAULTS = loadConfig({})

/** The TypeScript source a compiled script of the image is built from. */
const sourceOf = (script: string) => script.replace(/^dist\//, '').replace(/\.js$/, '.ts')

/** The variables a script reads besides the config schema's (the demo core's). */
const envRead = (source: string) => new Set([...read(source).matchAll(/process\.env\.(\w+)/g)].map((m) => m[1]))

/** A gateway's answer to a probe path: a route that exists and says it is fine. */
async function probe (t: { teardown (fn: () => unknown): void }, path: string): Promise<number> {
  const app = await buildApp({ config: loadConfig({ EVERGATE_RELEASE_MANAGEMENT: 'false', LOG_LEVEL: 'silent' }), bundle, logger: false })
  t.teardown(() => app.close())
  return (await app.inject({ method: 'GET', url: path })).statusCode
}

t.test('the Dockerfile: variables, ports, its health check and what it runs', async (t) => {
  const dockerfile = read('Dockerfile')
  const env = Object.fromEntries([...dockerfile.matchAll(/^ENV (.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/).map((pair) => pair.split('='))))
  for (const name of Object.keys(env)) t.ok(CONFIG_NAMES.has(name) || NOT_OURS.has(name), `ENV ${name} is read by the gateway`)
  const config = loadConfig(env)
  const exposed = dockerfile.match(/^EXPOSE (.+)$/m)?.[1].split(/\s+/).map(Number)
  t.same(exposed, [config.port, config.admin.port], 'EXPOSE: the public port, then the admin port')

  const healthcheck = dockerfile.match(/^HEALTHCHECK [^]*?(\/_evergate\/\w+)/m)?.[1]
  t.equal(healthcheck, '/_evergate/ready', 'HEALTHCHECK asks readiness: an instance draining is not healthy')
  t.equal(await probe(t, healthcheck as string), 200)

  const cmd = JSON.parse(dockerfile.match(/^CMD (\[.+\])$/m)?.[1] ?? '[]') as string[]
  t.ok(exists(sourceOf(cmd.at(-1) as string)), `CMD runs ${cmd.at(-1)}, built from a source that exists`)
})

t.test('.dockerignore keeps the build context to what the Dockerfile copies', async (t) => {
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  for (const heavy of ['node_modules', '.git', '.evergate-data', 'dist', 'bench', 'coverage', '.tap']) {
    t.ok(ignored.includes(heavy), `${heavy} stays out`)
  }
  const copied = [...read('Dockerfile').matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/).slice(0, -1))
  t.ok(copied.length >= 5)
  for (const source of copied) {
    t.notOk(ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), `COPY ${source} is in the context`)
    t.ok(exists(source), `${source} exists`)
  }
})

t.test('deploy/compose.yaml: two gateways on one database behind a balancer, migrated once', async (t) => {
  const compose = yamlFile('deploy/compose.yaml')
  const services = compose.services as Record<string, any>
  const ours = Object.entries(services).filter(([, s]) => s.image === 'evergate:local')
  const gateways = ours.filter(([, s]) => s.command === undefined)
  t.same(gateways.map(([name]) => name), ['gateway-a', 'gateway-b'])
  const substituted = (env: Record<string, string>) =>
    Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{\w+:-([^}]*)\}/g, '$1')]))

  for (const [name, service] of ours) {
    const env = substituted(service.environment ?? {})
    const script = service.command?.[1] ?? 'dist/src/main.js'
    t.ok(exists(sourceOf(script)), `${name} runs ${script}, built from a source that exists`)
    // The demo core reads its own few; the gateway and the CLI read the config schema.
    const known = script.startsWith('dist/demo/') ? envRead(sourceOf(script)) : CONFIG_NAMES
    for (const variable of Object.keys(env)) t.ok(known.has(variable), `${name}: ${variable} is read`)
  }

  t.same(services.migrate.command, ['node', 'dist/src/cli.js', 'migrate'], 'the migrations: once, by the CLI')
  t.equal(services.migrate.restart, 'no')
  const core = services.core
  for (const [name, service] of gateways) {
    const env = substituted(service.environment)
    const config = loadConfig(env)
    t.equal(service.depends_on.migrate.condition, 'service_completed_successfully', `${name} starts once migrated`)
    t.equal(env.DATABASE_URL, substituted(services.migrate.environment).DATABASE_URL, `${name} shares the one database`)
    t.ok(services[new URL(env.DATABASE_URL).hostname], 'a service of this file')
    const coreUrl = new URL(config.upstream.origins.core)
    t.equal(coreUrl.hostname, 'core')
    t.equal(coreUrl.port, core.environment.DEMO_CORE_PORT, `${name} calls the core on its port`)
    t.ok(config.admin.token !== null && config.admin.host === '0.0.0.0', `${name}'s admin API is on, for its published port`)
    for (const published of service.ports as string[]) {
      t.match(published, /^127\.0\.0\.1:/, 'published on the host\'s loopback only')
      t.equal(Number(published.split(':').at(-1)), config.admin.port, 'the admin port, not the public one (the balancer\'s)')
    }
    const grace = Number(/^(\d+)s$/.exec(service.stop_grace_period)?.[1]) * 1000
    t.ok(grace > config.drainDelay + CLOSE_GRACE_MS, `${name}: docker waits ${grace} ms, the drain and the close take ${config.drainDelay + CLOSE_GRACE_MS}`)
  }

  const lb = read('deploy/haproxy.cfg')
  t.ok(services.lb.volumes.some((v: string) => v.startsWith('./haproxy.cfg:')), 'the balancer reads deploy/haproxy.cfg')
  const servers = [...lb.matchAll(/^\s*server (\S+) ([\w-]+):(\d+)/gm)]
  t.same(servers.map((m) => m[2]), ['gateway-a', 'gateway-b'], 'it balances both gateways')
  for (const [, , , port] of servers) t.equal(Number(port), DEFAULTS.port, 'on their public port')
  const check = lb.match(/option httpchk GET (\S+)/)?.[1]
  t.equal(check, '/_evergate/ready')
  t.equal(await probe(t, check as string), 200)
})

t.test('deploy/kubernetes: a kustomization whose parts agree with the gateway and each other', async (t) => {
  const kustomization = yamlFile('deploy/kubernetes/kustomization.yaml')
  const docs = (kustomization.resources as string[]).flatMap((file) => {
    t.ok(exists(`deploy/kubernetes/${file}`), `${file} exists`)
    return parseAllDocuments(read(`deploy/kubernetes/${file}`)).map((d) => d.toJS())
  })
  const of = (kind: string) => docs.filter((d) => d.kind === kind)
  const [deployment] = of('Deployment')
  const [job] = of('Job')

  const generated = kustomization.configMapGenerator.find((g: { name: string }) => g.name === 'evergate')
  const literals: Record<string, string> = Object.fromEntries(generated.literals.map((l: string) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
  const pod = deployment.spec.template.spec
  const [container] = pod.containers
  t.same(container.envFrom, [{ configMapRef: { name: 'evergate' } }])
  const secretNames = container.env.map((e: any) => {
    t.same(e.valueFrom.secretKeyRef, { name: 'evergate', key: e.name }, `${e.name} from the Secret`)
    return e.name
  })
  t.same(secretNames.sort(), ['DATABASE_URL', 'EVERGATE_ADMIN_TOKEN'], 'the token (and the database password) from a Secret')
  for (const name of [...Object.keys(literals), ...secretNames, ...job.spec.template.spec.containers[0].env.map((e: any) => e.name)]) {
    t.ok(CONFIG_NAMES.has(name), `${name} is read by the gateway`)
  }
  const config = loadConfig({ ...literals, DATABASE_URL: 'postgres://x@db/evergate', EVERGATE_ADMIN_TOKEN: 'secret' })

  const ports = Object.fromEntries(container.ports.map((p: any) => [p.name, p.containerPort]))
  t.same(ports, { http: config.port, admin: config.admin.port })
  t.equal(config.admin.host, '0.0.0.0', 'the admin API reachable by its Service')

  t.equal(container.readinessProbe.httpGet.path, '/_evergate/ready')
  t.equal(container.livenessProbe.httpGet.path, '/_evergate/health')
  for (const p of [container.readinessProbe, container.livenessProbe]) {
    t.equal(p.httpGet.port, 'http', 'probes on the public port')
    t.equal(await probe(t, p.httpGet.path), 200, `${p.httpGet.path} is a route`)
  }

  const preStop = container.lifecycle.preStop.exec.command.join(' ')
  t.match(preStop, /kill -TERM 1 && sleep \d+/, 'preStop starts the drain, then holds the kubelet\'s SIGTERM')
  t.equal(Number(/sleep (\d+)/.exec(preStop)?.[1]) * 1000, config.drainDelay, 'for as long as the drain')
  t.ok(pod.terminationGracePeriodSeconds * 1000 > config.drainDelay + CLOSE_GRACE_MS,
    `the grace (${pod.terminationGracePeriodSeconds} s) exceeds the drain and the close (${config.drainDelay + CLOSE_GRACE_MS} ms)`)

  const podLabels = deployment.spec.template.metadata.labels
  const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => podLabels[k] === v)
  t.ok(selects(deployment.spec.selector.matchLabels))
  const services = of('Service')
  const admin = services.filter((s) => s.spec.ports.some((p: any) => p.targetPort === 'admin' || p.targetPort === config.admin.port))
  t.equal(admin.length, 1, 'one Service has the admin port')
  t.equal(admin[0].spec.type ?? 'ClusterIP', 'ClusterIP', 'and it is inside the cluster only')
  t.same(admin[0].spec.ports.map((p: any) => p.targetPort), ['admin'], 'with nothing else on it')
  const publicServices = services.filter((s) => s !== admin[0])
  t.equal(publicServices.length, 1)
  t.same(publicServices[0].spec.ports.map((p: any) => p.targetPort), ['http'])
  for (const service of services) t.ok(selects(service.spec.selector), `${service.metadata.name} selects the gateway pods`)

  const [pdb] = of('PodDisruptionBudget')
  t.ok(selects(pdb.spec.selector.matchLabels))
  const [hpa] = of('HorizontalPodAutoscaler')
  t.same(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name })
  t.ok(hpa.spec.minReplicas > pdb.spec.minAvailable, 'a disruption always leaves a gateway serving')
  t.ok(container.resources.requests.cpu, 'CPU requested: what the autoscaler measures against')

  t.same(job.spec.template.spec.containers[0].command, ['node', 'dist/src/cli.js', 'migrate'], 'the migrations as a Job')
  t.ok(exists(sourceOf('dist/src/cli.js')))
  for (const image of [container.image, job.spec.template.spec.containers[0].image]) {
    t.ok(kustomization.images.some((i: { name: string }) => i.name === image), `${image}: set by the kustomization`)
  }
})

t.test('the demo core, as compose runs it on its own, serves and stops on SIGTERM', async (t) => {
  const child = fork(fileURLToPath(new URL('../demo/serve-core.ts', import.meta.url)), {
    env: { ...process.env, DEMO_CORE_PORT: '0', DEMO_CORE_HOST: '127.0.0.1' },
    execArgv: process.execArgv,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc']
  })
  t.teardown(() => { child.kill('SIGKILL') })
  let output = ''
  const address = await new Promise<string>((resolve) => child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
    if (listening !== null) resolve(listening[1])
  }))
  const articles = await request(`${address}/articles`)
  t.equal(articles.statusCode, 200)
  t.equal((await articles.body.json() as { items: unknown[] }).items.length, 20)
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0)
})
