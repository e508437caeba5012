"""Signing: the operator's Ed25519 keys and their C2SP names (``keys``, ``c2sp``), the exact
bytes an event's signature covers (``envelope``), and the Mapper through which every event is
signed on its way into the store and verified on its way out (``mapper``)."""
