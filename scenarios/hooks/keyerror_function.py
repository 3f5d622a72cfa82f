"""
A deliberately buggy pre-provisioning hook, the classic field incident: it reads the parameter
`device_serial`, but the template (and so every device) sends `SerialNumber`. Every invocation
raises KeyError, every RegisterThing fails with 403, and the cause is in the function's logs.
"""


def lambda_handler(event, context):
    print("RegisterThing from", event["clientId"])
    serial = event["parameters"]["device_serial"]
    return {"allowProvisioning": serial.startswith("SN"), "parameterOverrides": {"SerialNumber": serial}}
