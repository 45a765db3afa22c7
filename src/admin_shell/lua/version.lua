-- The server's version, before any host is named.
return answer({ version = prosody.version });
