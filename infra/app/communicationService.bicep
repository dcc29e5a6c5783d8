@description('Name of the Azure Communication Services resource (globally unique: it is the host name).')
param name string

@description('Where the resource stores its data at rest, e.g. United States, Europe, UK, Australia.')
param dataLocation string

@description('Disable access keys: clients authenticate with Entra ID only.')
param disableLocalAuth bool

@description('Tags of the resource.')
param tags object

resource communicationService 'Microsoft.Communication/communicationServices@2025-09-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    disableLocalAuth: disableLocalAuth
  }
}

output id string = communicationService.id
output name string = communicationService.name
output hostName string = communicationService.properties.hostName
