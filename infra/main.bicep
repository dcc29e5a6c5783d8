targetScope = 'subscription'

// ACS Advanced Messaging Functions: everything that lives in the app's resource group. The ACS side (least-privilege
// role on the ACS resource, Event Grid system topic, event subscriptions) is deployed after the code by the postdeploy
// hook from app/acsConnection.bicep, in the ACS resource's own resource group: see README.md in this folder for why.

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names and tags every resource (azd-env-name).')
param environmentName string

@minLength(1)
@description('Region of the resource group and every regional resource. It must offer Flex Consumption: az functionapp list-flexconsumption-locations.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create or use. Empty for rg-<environmentName>. azd down deletes this resource group.')
param resourceGroupName string = ''

@description('Resource ID of the existing Azure Communication Services resource your WhatsApp channel is connected to: the primary path. Nothing is deployed into its resource group by this template.')
param existingCommunicationServiceId string = ''

@description('Create a new ACS resource in this resource group instead (only with existingCommunicationServiceId empty). ACS Advanced Messaging is retiring: from 2026-10-23 new customers cannot sign up, so only subscriptions still allowed to use it can connect WhatsApp to a new resource.')
param createCommunicationService bool = false

@description('Where a new ACS resource stores its data at rest, e.g. United States, Europe, UK, Australia (only with createCommunicationService).')
param communicationServiceDataLocation string = 'United States'

@description('Disable access keys on a new ACS resource: the app authenticates with its managed identity only (only with createCommunicationService).')
param communicationServiceDisableLocalAuth bool = true

@description('Channel registration IDs (GUIDs) the app sends on, comma-separated (app setting ACS_CHANNEL_IDS). Empty until the WhatsApp channel is connected.')
param channelIds string = ''

@description('Identity scope of each channel (app setting CHANNEL_SCOPES), as JSON {"<channel id>":"brand-a"} or as pairs <channel id>=brand-a,<channel id>=brand-b.')
param channelScopes string = ''

@description('Identity scope of channels not listed in channelScopes (app setting DEFAULT_SCOPE).')
param defaultScope string = 'default'

@description('Prefix of the app table names, letters and digits (app setting TABLE_NAME_PREFIX).')
param tableNamePrefix string = 'acs'

@allowed([
  'bsuid'
  'phone'
])
@description('Which identifier to address when a contact has both (app setting SEND_ADDRESS_PREFERENCE).')
param sendAddressPreference string = 'bsuid'

@description('Whether sends may address BSUIDs; false sends to phone numbers only (app setting BSUID_SENDS_ENABLED).')
param bsuidSendsEnabled bool = true

@description('Names of authentication templates, comma-separated (app setting AUTHENTICATION_TEMPLATES).')
param authenticationTemplates string = ''

@description('Routes file, relative to the app root (app setting ROUTES_FILE). Empty for the default: routes.json when the package holds one.')
param routesFile string = ''

@description('Storage queue inbound messages are forwarded to (app setting FORWARD_QUEUE_NAME); created by this template.')
param forwardQueueName string = 'inbound-messages'

@allowed([
  512
  2048
  4096
])
@description('Memory of each Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Upper bound of Flex Consumption instances (a cost ceiling under load).')
param maximumInstanceCount int = 100

@minValue(1024)
@maxValue(4194304)
@description('Largest HTTP API request body, in bytes (app setting MAX_REQUEST_BODY_BYTES); larger ones are answered 413 unread.')
param maxRequestBodyBytes int = 65536

@minValue(100)
@maxValue(60000)
@description('How long one try of an outbound call (Table Storage, ACS, the queue) may wait, in ms (app setting OUTBOUND_TRY_TIMEOUT_MS).')
param outboundTryTimeoutMs int = 10000

@minValue(200)
@maxValue(28000)
@description('How long one Event Grid event may take in all, in ms, inside Event Grid\'s 30 s (app setting EVENT_DEADLINE_MS).')
param eventDeadlineMs int = 25000

@minValue(200)
@maxValue(120000)
@description('How long one API request may take in all, in ms; past it the API answers 504 (app setting API_DEADLINE_MS).')
param apiDeadlineMs int = 20000

@minValue(0)
@maxValue(3650)
@description('Days message text (summaries, excerpts, kept templates) is kept; 0 for ever (app setting RETAIN_MESSAGE_CONTENT_DAYS).')
param retainMessageContentDays int = 30

@minValue(0)
@maxValue(3650)
@description('Days ledger messages are kept; 0 for ever (app setting RETAIN_MESSAGES_DAYS).')
param retainMessagesDays int = 365

@minValue(0)
@maxValue(3650)
@description('Days delivery status histories are kept; 0 for ever (app setting RETAIN_DELIVERY_HISTORY_DAYS).')
param retainDeliveryHistoryDays int = 90

@minValue(2)
@maxValue(3650)
@description('Days send records (idempotency keys with the address used) are kept (app setting RETAIN_SEND_RECORDS_DAYS).')
param retainSendRecordsDays int = 30

@minValue(2)
@maxValue(3650)
@description('Days route actions are kept (app setting RETAIN_ROUTE_ACTIONS_DAYS).')
param retainRouteActionsDays int = 30

@minValue(1)
@maxValue(3650)
@description('Days rejected events are kept with identifiers masked (app setting RETAIN_REJECTED_EVENTS_DAYS).')
param retainRejectedEventsDays int = 30

@minValue(1)
@maxValue(3650)
@description('Days the raw payload of a rejected event is kept for replay (app setting RETAIN_REJECTED_RAW_DAYS).')
param retainRejectedRawDays int = 7

@minValue(0)
@maxValue(3650)
@description('Days audit records of API calls are kept, dropped a whole day at a time; 0 for ever (app setting RETAIN_AUDIT_DAYS).')
param retainAuditDays int = 365

@minValue(100)
@maxValue(1000000)
@description('Rows the hourly retention purge looks at per table and run (app setting RETENTION_MAX_ROWS_PER_RUN).')
param retentionMaxRowsPerRun int = 20000

@allowed([
  'keys'
  'entra'
])
@description('Who may call the HTTP API (app setting AUTH_MODE): keys (function keys), or entra (Entra ID access tokens with app roles, checked by the app on every call; the API functions then take no key). See infra/README.md.')
param authMode string = 'keys'

@description('Tenant of the API app registration (app setting ENTRA_TENANT_ID, with authMode entra). Empty for the tenant of this deployment.')
param entraTenantId string = ''

@description('Application (client) ID of the API app registration, the audience of its access tokens (app setting ENTRA_AUDIENCE). Required with authMode entra.')
param entraAudience string = ''

@minValue(1)
@description('Days dead-lettered events (which hold phone numbers and BSUIDs) are kept before deletion.')
param deadLetterRetentionDays int = 30

@description('Object ID of a user or group granted Storage Table Data Contributor, e.g. to run npm run contacts:import against Azure. Empty for none.')
param operatorPrincipalId string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var deadLetterContainerName = 'eventgrid-deadletter'

// Bringing an existing ACS resource is the primary path; creating one is opt-in, because ACS Advanced Messaging takes no
// new customers after 2026-10-23 (Microsoft's ACS retirement guide). Exactly one of the two must be chosen.
var createNewCommunicationService = !empty(existingCommunicationServiceId) ? (createCommunicationService ? fail('Choose one ACS resource: EXISTING_COMMUNICATION_SERVICE_ID (existingCommunicationServiceId) and CREATE_COMMUNICATION_SERVICE=true (createCommunicationService) are both set.') : false) : (createCommunicationService ? true : fail('No ACS resource chosen: set EXISTING_COMMUNICATION_SERVICE_ID (existingCommunicationServiceId) to the resource ID of the ACS resource your WhatsApp channel is connected to, or CREATE_COMMUNICATION_SERVICE=true (createCommunicationService) to create one, which only subscriptions still allowed to use ACS Advanced Messaging can connect WhatsApp to (see README.md).'))
var existingCommunicationServiceIdParts = split(existingCommunicationServiceId, '/')

// CHANNEL_SCOPES is JSON for the app; azd environment values cannot carry JSON quotes into main.parameters.json, so the
// pair form is accepted too and converted here. The app validates the result and names any bad entry at start-up.
var channelScopesTrimmed = trim(channelScopes)
var channelScopePairs = filter(split(channelScopesTrimmed, ','), pair => (!empty(trim(pair))))
var channelScopesFromPairs = string(toObject(channelScopePairs, pair => (trim(first(split(pair, '=')))), pair => (trim(last(split(pair, '='))))))
var channelScopesSetting = empty(channelScopesTrimmed) || startsWith(channelScopesTrimmed, '{') ? channelScopesTrimmed : channelScopesFromPairs

// Entra ID access: the app validates the tokens itself (see infra/README.md, "API access"), so this is settings only, no
// secret and no platform authentication resource. Without the app registration's client ID every caller would be
// refused, so the deployment stops at validation instead. In keys mode both settings stay empty: the app refuses Entra
// settings without AUTH_MODE=entra, which would look like protection that is not there.
var entraAudienceSetting = authMode == 'entra' ? (empty(entraAudience) ? fail('AUTH_MODE=entra (authMode) needs ENTRA_AUDIENCE (entraAudience): the application (client) ID of the API app registration, see infra/README.md.') : entraAudience) : ''
var entraTenantSetting = authMode == 'entra' ? (empty(entraTenantId) ? tenant().tenantId : entraTenantId) : ''

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// The app's one identity: host storage, deployment package, tables, queue, telemetry and ACS.
module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    deadLetterContainerName: deadLetterContainerName
    deadLetterRetentionDays: deadLetterRetentionDays
    forwardQueueName: forwardQueueName
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module communicationService 'app/communicationService.bicep' = if (createNewCommunicationService) {
  name: 'communication-service'
  scope: rg
  params: {
    name: '${abbrs.communicationCommunicationServices}${resourceToken}'
    dataLocation: communicationServiceDataLocation
    disableLocalAuth: communicationServiceDisableLocalAuth
    tags: tags
  }
}

// Read only (no deployment into its resource group), for its endpoint.
resource existingCommunicationService 'Microsoft.Communication/communicationServices@2025-09-01' existing = if (!createNewCommunicationService) {
  name: last(existingCommunicationServiceIdParts)
  scope: resourceGroup(existingCommunicationServiceIdParts[2], existingCommunicationServiceIdParts[4])
}

var acsEndpoint = createNewCommunicationService ? 'https://${communicationService.outputs.hostName}' : 'https://${existingCommunicationService.properties.hostName}'
var acsResourceId = createNewCommunicationService ? communicationService.outputs.id : existingCommunicationServiceId

// Every setting the app reads in Azure (lib/config/loadConfig.ts CONFIG_SETTINGS), no secrets: storage and ACS are
// reached with the managed identity. TABLE_STORAGE_CONNECTION_STRING, ACS_CONNECTION_STRING and
// FORWARD_QUEUE_CONNECTION_STRING are the local (Azurite, emulator) alternatives and are intentionally absent.
var appSettings = {
  AZURE_CLIENT_ID: identity.outputs.clientId
  TABLE_STORAGE_ENDPOINT: storage.outputs.tableEndpoint
  TABLE_NAME_PREFIX: tableNamePrefix
  DEFAULT_SCOPE: defaultScope
  CHANNEL_SCOPES: channelScopesSetting
  ACS_ENDPOINT: acsEndpoint
  ACS_CHANNEL_IDS: channelIds
  SEND_ADDRESS_PREFERENCE: sendAddressPreference
  BSUID_SENDS_ENABLED: bsuidSendsEnabled ? 'true' : 'false'
  AUTHENTICATION_TEMPLATES: authenticationTemplates
  ROUTES_FILE: routesFile
  FORWARD_QUEUE_SERVICE_URI: storage.outputs.queueEndpoint
  FORWARD_QUEUE_NAME: forwardQueueName
  MAX_REQUEST_BODY_BYTES: string(maxRequestBodyBytes)
  OUTBOUND_TRY_TIMEOUT_MS: string(outboundTryTimeoutMs)
  EVENT_DEADLINE_MS: string(eventDeadlineMs)
  API_DEADLINE_MS: string(apiDeadlineMs)
  RETAIN_MESSAGE_CONTENT_DAYS: string(retainMessageContentDays)
  RETAIN_MESSAGES_DAYS: string(retainMessagesDays)
  RETAIN_DELIVERY_HISTORY_DAYS: string(retainDeliveryHistoryDays)
  RETAIN_SEND_RECORDS_DAYS: string(retainSendRecordsDays)
  RETAIN_ROUTE_ACTIONS_DAYS: string(retainRouteActionsDays)
  RETAIN_REJECTED_EVENTS_DAYS: string(retainRejectedEventsDays)
  RETAIN_REJECTED_RAW_DAYS: string(retainRejectedRawDays)
  RETAIN_AUDIT_DAYS: string(retainAuditDays)
  RETENTION_MAX_ROWS_PER_RUN: string(retentionMaxRowsPerRun)
  AUTH_MODE: authMode
  ENTRA_TENANT_ID: entraTenantSetting
  ENTRA_AUDIENCE: entraAudienceSetting
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: appSettings
  }
  dependsOn: [
    rbac
  ]
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: operatorPrincipalId
  }
}

// Read by azd (and the postdeploy hook, scripts/connectAcs.ts) from the environment.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_ID string = api.outputs.id
output AZURE_FUNCTION_APP_URL string = api.outputs.uri
output AZURE_FUNCTION_APP_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_STORAGE_ACCOUNT_ID string = storage.outputs.id
output DEAD_LETTER_CONTAINER_NAME string = deadLetterContainerName
output ACS_RESOURCE_ID string = acsResourceId
output ACS_ENDPOINT string = acsEndpoint
