"""WeCom (企业微信): the AI bot over its long connection, and the group robot webhook.

``frames`` builds and parses the long connection's JSON frames, ``client.WeComClient`` keeps the
connection (over ``link.Link``), ``robot.Robot`` posts through the group robots; ``render``,
``push`` and ``tokens`` draw the neutral Doc for WeCom; ``transport``, ``intake`` and ``app``
are WeCom's part of the bot: its Transport, the parser of its callbacks and its composition.
"""
