"""XEP-0215 (external service discovery) from a real XMPP session: what Prosody hands to clients."""
import asyncio
import xml.etree.ElementTree as ET

import xmpp_client

NS = "urn:xmpp:extdisco:2"


def external_services(server, account):
    """Every <service/> of the server's XEP-0215 answer, as a dict of its attributes."""
    async def go():
        # xmpp_client's session: TLS to the test host, trusting only the scenario's CA.
        async with xmpp_client._session(server, *account, presence=False) as xmpp:
            iq = xmpp.make_iq_get(ito=server.domain)
            iq.xml.append(ET.Element(f"{{{NS}}}services"))
            reply = await iq.send(timeout=xmpp_client.TIMEOUT)
            services = reply.xml.find(f"{{{NS}}}services")
            return [dict(service.attrib) for service in services.findall(f"{{{NS}}}service")]
    return asyncio.run(asyncio.wait_for(go(), xmpp_client.TIMEOUT))
