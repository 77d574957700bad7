import { fileURLToPath } from 'node:url'
import { lintFromString, loadConfig } from '@redocly/openapi-core'
import t from 'tap'
import { parse } from 'yaml'
import { pgSchema } from '../helpers/database.js'
import { call, startDemo, startReleaseDemo } from '../helpers/gateway.js'

// Each contract version's OpenAPI document, as a mobile team reads it and as code generators and
// Redocly's recommended rules (with the committed redocly.yaml) judge it.

const VERSIONS = ['1.0.0', '2.0.0', '2.3.0', '3.0.0']
type Operation = { operationId: string, tags: string[], summary: string, parameters: Array<{ name: string, in: string }>, responses: Record<string, any>, deprecated?: boolean }
const operations = (document: any): Array<[string, Operation]> =>
  Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]))

t.test('every version\'s document lints with 0 errors, in JSON and YAML', async (t) => {
  const { url } = await startDemo(t)
  const config = await loadConfig({ configPath: fileURLToPath(new URL('../../redocly.yaml', import.meta.url)) })
  for (const version of VERSIONS) {
    for (const format of ['json', 'yaml']) {
      const res = await call(url, `/_evergate/contracts/${version}/openapi.${format}`)
      t.equal(res.status, 200)
      if (format === 'yaml') t.match(res.headers['content-type'], /^application\/yaml/)
      const problems = await lintFromString({ source: res.text, absoluteRef: `${url}/${version}.${format}`, config })
      t.same(problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`), [], `${version}.${format}: no errors`)
      t.same(problems.map((p) => p.ruleId), [], `${version}.${format}: no warnings either`)
    }
  }
})

t.test('what a mobile team needs: named operations, named types, headers, every answer in the version\'s shape', async (t) => {
  const { url } = await startDemo(t)
  const v1 = (await call(url, '/_evergate/contracts/1.0.0/openapi.json')).json
  t.equal(v1.info.version, '1.0.0')
  t.same(Object.keys(v1.paths).sort(), ['/articles', '/articles/{id}', '/bookmarks', '/profile'])
  const ops = new Map(operations(v1))
  t.match(ops.get('GET /profile'), { operationId: 'getProfile', tags: ['Profile'], summary: 'The signed-in user' })
  t.match(ops.get('GET /articles/{id}'), { operationId: 'getArticlesById', tags: ['Articles'] })
  t.equal(new Set([...ops.values()].map((o) => o.operationId)).size, ops.size, 'operationIds are unique')

  const profile = ops.get('GET /profile')!
  t.same(profile.parameters.filter((p) => p.in === 'header').map((p) => p.name), ['x-app-version', 'x-app-platform'], 'the version and platform headers are parameters')
  t.same(profile.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/Profile' }, 'a named type, not an anonymous copy')
  const [profileExample] = Object.values(profile.responses['200'].content['application/json'].examples) as Array<{ value: any }>
  t.match(profileExample.value, { name: 'Ada Lovelace', avatar: String }, 'head\'s example, pushed down to the 1.0.0 shape')
  t.notOk('first_name' in profileExample.value)
  t.match(v1.components.schemas.Profile.properties, { name: { type: 'string' }, avatar: { type: 'string' } }, '1.0.0 apps see name and avatar')
  t.same(Object.keys(profile.responses['200'].headers).sort(), ['deprecation', 'link', 'sunset', 'vary', 'x-contract-version'], 'the deprecation headers are documented')
  const articles = ops.get('GET /articles')!.responses['200'].content['application/json'].schema
  t.same(articles, { type: 'array', items: { $ref: '#/components/schemas/Article' } })
  t.notOk('kind' in v1.components.schemas.Article.properties, '1.0.0\'s Article has no kind')

  for (const status of ['400', '413', '415', '426', '502', '503', '504']) {
    const answer = profile.responses[status]
    t.same(answer.content['application/json'].schema, { $ref: '#/components/schemas/Error' }, `${status} in the version's error shape`)
    const [example] = Object.values(answer.content['application/json'].examples) as Array<{ value: any }>
    t.equal(example.value.code, Number(status), `${status}: the example is the 1.0.0 body, code = status`)
  }
  t.match(v1.components.schemas.Error, { required: ['message', 'code'] })

  const head = (await call(url, '/_evergate/contracts/3.0.0/openapi.json')).json
  t.same(Object.keys(head.paths).sort(), ['/articles', '/articles/{id}', '/bookmarks', '/users/me'])
  const [headError] = Object.values(head.paths['/users/me'].get.responses['504'].content['application/json'].examples) as Array<{ value: any }>
  t.same(headError.value, { error: { code: 'EVG_ERR_UPSTREAM_TIMEOUT', message: 'The core service did not answer in time' } })
  t.match(head.components.schemas.ArticlePage.properties.items, { type: 'array', items: { $ref: '#/components/schemas/Article' } })

  const missing = await call(url, '/_evergate/contracts/9.9.9/openapi.json')
  t.equal(missing.status, 404)
  t.equal(missing.json.error.code, 'EVG_ERR_CONTRACT_NOT_FOUND')
  t.equal((await call(url, '/_evergate/contracts/9.9.9/openapi.yaml')).status, 404)
})

t.test('a deprecated version\'s document says so, from the live release policy; app-status is documented', async (t) => {
  const { url, asAdmin } = await startReleaseDemo(t, await pgSchema(t))
  const before = (await call(url, '/_evergate/contracts/1.0.0/openapi.json')).json
  t.notOk(before.info['x-evergate-status'])
  t.match(before.paths['/_evergate/app-status'].get, { operationId: 'getAppStatus', tags: ['App status'] })
  t.ok(before.components.schemas.AppStatus, 'its answer is a named type')
  const config = await loadConfig({ configPath: fileURLToPath(new URL('../../redocly.yaml', import.meta.url)) })
  const problems = await lintFromString({ source: JSON.stringify(before), absoluteRef: `${url}/1.0.0.json`, config })
  t.same(problems.map((p) => `${p.ruleId}: ${p.message}`), [], 'with app-status, still no problem')

  const sunset = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
  const rule = await asAdmin('/rules', { method: 'POST', json: { range: '<2.0.0', status: 'deprecated', sunset_date: sunset, message: 'Pulse 1.x stops working soon' } })
  t.equal(rule.status, 201)
  let after = before
  for (let i = 0; i < 50 && after.info['x-evergate-status'] === undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    after = (await call(url, '/_evergate/contracts/1.0.0/openapi.json')).json
  }
  t.match(after.info, { 'x-evergate-status': 'deprecated', 'x-evergate-sunset': sunset, description: /^\*\*Deprecated\.\*\* Pulse 1\.x stops working soon Apps on it are refused from/ })
  t.ok(operations(after).filter(([key]) => !key.includes('_evergate')).every(([, op]) => op.deprecated === true), 'every operation is marked deprecated')
  t.notOk((await call(url, '/_evergate/contracts/2.0.0/openapi.json')).json.info['x-evergate-status'], '2.0.0 is not')
  const yaml = parse((await call(url, '/_evergate/contracts/1.0.0/openapi.yaml')).text)
  t.equal(yaml.info['x-evergate-status'], 'deprecated')

  const page = await call(url, '/_evergate/docs/')
  t.match(page.text, /"title": "1\.0\.0 \(deprecated\)"/, 'the picker marks it')
  t.match(page.text, /"title": "3\.0\.0 \(head\)"/)
})
