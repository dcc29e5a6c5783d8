// The one table of Azure built-in role definition IDs this template assigns. Every role assignment takes its role
// from here (test/infra checks the IDs against Microsoft's and that no other file holds a role ID).
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles

@export()
@description('Built-in role definition IDs, by role.')
var roleDefinitionIds = {
  // Host storage (AzureWebJobsStorage) and the Flex Consumption deployment container.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Event Grid writes dead-lettered events to the dead-letter container with the system topic's identity.
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  // The queue the app forwards inbound messages to (FORWARD_QUEUE_NAME).
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // The app's tables (created at start-up with createTable).
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Application Insights with local (key) authentication disabled accepts telemetry only from this role.
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Communication and Email Service Owner: the app identity sends Advanced Messages with Entra ID. Microsoft documents
  // no narrower permission for Advanced Messaging; this built-in role covers every Communication Services operation
  // (keys and delete included) and nothing outside Microsoft.Communication. The sender role is a parameter of
  // acsConnection.bicep with this one as the fallback.
  communicationAndEmailServiceOwner: '09976791-48a7-449e-bb21-39d1a415f350'
}
