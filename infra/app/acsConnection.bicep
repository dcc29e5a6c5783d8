import { roleDefinitionIds } from 'roles.bicep'

// Connects the deployed app to its ACS resource. Deployed into the ACS resource's resource group by the postdeploy hook
// (scripts/connectAcs.ts, `npm run acs:connect`), after the code, because Event Grid accepts an AzureFunction
// subscription only once the function with the Event Grid trigger exists. See ../README.md.
//  - the sender role on the ACS resource for the app identity (sending Advanced Messages with Entra ID);
//  - the Event Grid system topic of the ACS resource (or the existing one: only one may exist per source);
//  - Storage Blob Data Contributor on the app storage account for the topic identity, which writes dead letters;
//  - the event subscriptions of ../eventSubscriptions.json.

@description('Name of the ACS resource, in this resource group.')
param communicationServiceName string

@description('Resource ID of the existing Event Grid system topic of the ACS resource, which must have a system-assigned identity. Empty to create the topic here.')
param existingSystemTopicId string = ''

@description('azd environment that deployed the app; tags a topic created here.')
param environmentName string

@description('Principal ID of the app identity, given the sender role on the ACS resource.')
param appPrincipalId string

@description('Role definition ID (a GUID) given to the app identity on the ACS resource, e.g. a narrower custom role you have verified sends Advanced Messages. Empty for the built-in Communication and Email Service Owner.')
param senderRoleDefinitionId string = ''

@description('Resource ID of the function app hosting the Event Grid triggers.')
param functionAppId string

@description('Resource ID of the storage account holding the dead-letter container.')
param deadLetterStorageAccountId string

@description('Blob container dead-lettered events are written to.')
param deadLetterContainerName string

var abbrs = loadJsonContent('../abbreviations.json')
var createSystemTopic = empty(existingSystemTopicId)
// A system topic created here is named after its source: there is one per ACS resource.
var systemTopicName = '${abbrs.eventGridSystemTopics}${communicationServiceName}'
var existingSystemTopicIdParts = split(existingSystemTopicId, '/')
var deadLetterStorageAccountIdParts = split(deadLetterStorageAccountId, '/')
var deploymentSuffix = uniqueString(functionAppId)
// Microsoft documents no narrower permission for sending Advanced Messages with Entra ID than its built-in
// Communication and Email Service Owner (all Communication Services operations, nothing else); Contributor, which its
// Entra ID quickstart grants, would reach every resource type in scope.
var senderRoleId = empty(senderRoleDefinitionId) ? roleDefinitionIds.communicationAndEmailServiceOwner : senderRoleDefinitionId

resource communicationService 'Microsoft.Communication/communicationServices@2025-09-01' existing = {
  name: communicationServiceName
}

resource senderAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, appPrincipalId, senderRoleId)
  scope: communicationService
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', senderRoleId)
  }
}

resource newSystemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = if (createSystemTopic) {
  name: systemTopicName
  location: 'global'
  tags: {
    'azd-env-name': environmentName
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: communicationService.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

resource existingSystemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = if (!createSystemTopic) {
  name: last(existingSystemTopicIdParts)
  scope: resourceGroup(existingSystemTopicIdParts[2], existingSystemTopicIdParts[4])
}

var topicPrincipalId = createSystemTopic ? newSystemTopic.identity.principalId : existingSystemTopic.identity.principalId

module deadLetterAccess 'deadLetterAccess.bicep' = {
  name: 'dead-letter-access-${deploymentSuffix}'
  scope: resourceGroup(deadLetterStorageAccountIdParts[2], deadLetterStorageAccountIdParts[4])
  params: {
    storageAccountName: last(deadLetterStorageAccountIdParts)
    principalId: topicPrincipalId
  }
}

module eventSubscriptions 'eventSubscriptions.bicep' = {
  name: 'event-subscriptions-${deploymentSuffix}'
  scope: resourceGroup(createSystemTopic ? subscription().subscriptionId : existingSystemTopicIdParts[2], createSystemTopic ? resourceGroup().name : existingSystemTopicIdParts[4])
  params: {
    systemTopicName: createSystemTopic ? systemTopicName : last(existingSystemTopicIdParts)
    functionAppId: functionAppId
    deadLetterStorageAccountId: deadLetterStorageAccountId
    deadLetterContainerName: deadLetterContainerName
  }
  dependsOn: [
    newSystemTopic
    deadLetterAccess
  ]
}

output systemTopicName string = createSystemTopic ? newSystemTopic.name : existingSystemTopic.name
output eventSubscriptionNames array = eventSubscriptions.outputs.names
