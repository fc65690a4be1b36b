# Client records are not edited in the operator console: operators never see a workspace's client data.
