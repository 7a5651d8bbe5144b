"""WeCom (企业微信): the AI bot over its long connection and the group robot webhook."""
