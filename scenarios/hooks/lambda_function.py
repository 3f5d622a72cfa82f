"""
Example pre-provisioning hook in Python, unchanged from what you would deploy to AWS Lambda:
it allows every device unless its SerialNumber is on a deny list.

The deny list is the DENIED_SERIALS environment variable (comma-separated), or DEFAULT_DENIED
below. Event: {claimCertificateId, certificateId, certificatePem, templateArn, clientId,
parameters}. Answer: {allowProvisioning, parameterOverrides}.
"""
import json
import logging
import os

logger = logging.getLogger()
logger.setLevel(logging.INFO)

DEFAULT_DENIED = {"013", "666"}


def denied_serials():
    listed = {s.strip() for s in os.environ.get("DENIED_SERIALS", "").split(",") if s.strip()}
    return listed or DEFAULT_DENIED


# module state: lives as long as the execution environment
INVOCATIONS = 0


def lambda_handler(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    serial = event.get("parameters", {}).get("SerialNumber", "")
    allowed = serial != "" and serial not in denied_serials()
    logger.info("serial=%s allowed=%s invocation=%d in this environment", serial, allowed, INVOCATIONS)
    if not allowed:
        print(json.dumps({"denied": serial, "clientId": event.get("clientId")}))
        return {"allowProvisioning": False}
    return {"allowProvisioning": True, "parameterOverrides": {}}
