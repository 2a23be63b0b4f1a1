
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "AnyConnection": [
      "ConnectorConnection",
      "DatabaseConnection",
      "NexusConnection",
      "OesConnection",
      "OrgConnection"
    ],
    "Error": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PermissionDeniedError"
    ],
    "PatchDatabaseConnectionResult": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PatchDatabaseConnectionSuccess",
      "PermissionDeniedError"
    ],
    "ReplaceOrgConnectionResult": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PermissionDeniedError",
      "ReplaceOrgConnectionSuccess"
    ],
    "SetConnectionClientEnabledResult": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PermissionDeniedError",
      "SetConnectionClientEnabledSuccess"
    ],
    "UpdateConnectorConnectionResult": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PermissionDeniedError",
      "UpdateConnectorConnectionSuccess"
    ],
    "UpdateOesConnectionResult": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PermissionDeniedError",
      "UpdateOesConnectionSuccess"
    ]
  }
};
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "AnyConnection": [
      "ConnectorConnection",
      "DatabaseConnection",
      "NexusConnection",
      "OesConnection",
      "OrgConnection"
    ],
    "Error": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PermissionDeniedError"
    ],
    "PatchDatabaseConnectionResult": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PatchDatabaseConnectionSuccess",
      "PermissionDeniedError"
    ],
    "ReplaceOrgConnectionResult": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PermissionDeniedError",
      "ReplaceOrgConnectionSuccess"
    ],
    "SetConnectionClientEnabledResult": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PermissionDeniedError",
      "SetConnectionClientEnabledSuccess"
    ],
    "UpdateConnectorConnectionResult": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PermissionDeniedError",
      "UpdateConnectorConnectionSuccess"
    ],
    "UpdateOesConnectionResult": [
      "AuthenticationError",
      "ConflictError",
      "InvalidInputError",
      "NotFoundError",
      "PermissionDeniedError",
      "UpdateOesConnectionSuccess"
    ]
  }
};
      export default result;
    