// The Event Grid subscriptions of the ACS system topic. What to subscribe, the filters, batching and retries are data:
// ../eventSubscriptions.json, shared with the tests and the local host. Nothing here may restate them.

@description('Name of the ACS resource system topic, in this resource group.')
param systemTopicName string

@description('Resource ID of the function app; each subscription targets <id>/functions/<function>.')
param functionAppId string

@description('Resource ID of the storage account holding the dead-letter container.')
param deadLetterStorageAccountId string

@description('Blob container dead-lettered events are written to.')
param deadLetterContainerName string

var definitions = loadJsonContent('../eventSubscriptions.json').subscriptions

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource eventSubscriptions 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = [
  for definition in definitions: {
    parent: systemTopic
    // One set per function app: environments sharing an ACS resource (and so its one system topic) each keep their
    // own subscriptions instead of retargeting each other's.
    name: '${take(definition.name, 50)}-${uniqueString(functionAppId, definition.name)}'
    properties: {
      destination: {
        endpointType: 'AzureFunction'
        properties: {
          resourceId: '${functionAppId}/functions/${definition.function}'
          maxEventsPerBatch: definition.maxEventsPerBatch
          preferredBatchSizeInKilobytes: definition.preferredBatchSizeInKilobytes
        }
      }
      eventDeliverySchema: definition.eventDeliverySchema
      filter: definition.filter
      retryPolicy: definition.retryPolicy
      deadLetterWithResourceIdentity: {
        identity: {
          type: 'SystemAssigned'
        }
        deadLetterDestination: {
          endpointType: 'StorageBlob'
          properties: {
            resourceId: deadLetterStorageAccountId
            blobContainerName: deadLetterContainerName
          }
        }
      }
    }
  }
]

output names array = [for (definition, index) in definitions: eventSubscriptions[index].name]
