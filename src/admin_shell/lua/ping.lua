-- The server's version; proves the store of the host opens.
return answer({ version = prosody.version, map_shim = store.keyval_store ~= nil });
