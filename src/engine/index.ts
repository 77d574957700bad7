// The API a deployment's contracts/ and versions/ are written against.
export { defineContract, deriveContract, contractSnapshot } from './contract.js'
export type { CanonicalError, Contract, HeadContract, HttpMethod, RouteContract, RouteKey, RouteTable } from './contract.js'
export { defineChange, isVersionChange } from './change.js'
export type { ChangeRoutes, ChangeSpec, RequestContext, ResponseContext, RouteSteps, VersionChange } from './change.js'
export { defineBundle, loadBundle } from './load-bundle.js'
export type { Bundle, BundleSource, LoadedChange } from './load-bundle.js'
export { buildPlans } from './build-chains.js'
export type { Chain, ContractPlan, PlannedStep, Plans, RoutePlan, RouteTarget } from './build-chains.js'
