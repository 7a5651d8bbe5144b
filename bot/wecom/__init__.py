"""WeCom (企业微信): the AI bot's long connection and the group robot webhook.

``frames`` builds and parses the long connection's JSON frames, ``client.WeComClient`` keeps the
connection (over ``link.Link``), ``robot.Robot`` posts through the group robots, and ``errors``
holds what they raise.
"""
