import { roleDefinitionIds } from 'roles.bicep'

// Lets the Event Grid system topic identity write dead-lettered events (deadLetterWithResourceIdentity).

@description('Storage account holding the dead-letter container, in this resource group.')
param storageAccountName string

@description('Principal ID of the system topic identity.')
param principalId string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleDefinitionIds.storageBlobDataContributor)
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds.storageBlobDataContributor)
  }
}
