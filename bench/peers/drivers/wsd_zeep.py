"""Peer driver: WSDiscovery (multicast discovery) + onvif-zeep-async (device information).

Does the job camaudit's benchmark does, the way a Python user would: one WS-Discovery probe for
NetworkVideoTransmitter, listen for --wait, then for every device found read
GetSystemDateAndTime (clock offset) and GetServices (`update_xaddrs`, the documented start),
GetDeviceInformation and GetNetworkInterfaces (MAC), with
the credentials given for that device's address. Prints one JSON line per device on stdout:
{ip, manufacturer, model, firmware, serial, mac, error}.

Usage: wsd_zeep.py --wait 1.0 --credentials creds.json [--concurrency 64] [--timeout 3]
creds.json: {"10.1.0.10": {"user": "...", "pass": "..."}, ...} (devices not listed: no login).
"""

import argparse
import asyncio
import json
import sys
from urllib.parse import urlparse

from onvif import ONVIFCamera
from wsdiscovery import QName
from wsdiscovery.discovery import ThreadedWSDiscovery

NVT = QName("http://www.onvif.org/ver10/network/wsdl", "NetworkVideoTransmitter")


def discover(wait):
    wsd = ThreadedWSDiscovery()
    wsd.start()
    try:
        services = wsd.searchServices(types=[NVT], timeout=wait)
        found = []
        for service in services:
            for xaddr in service.getXAddrs():
                url = urlparse(xaddr)
                if url.scheme == "http" and url.hostname:
                    found.append((url.hostname, url.port or 80))
                    break
        return found
    finally:
        wsd.stop()


def emit(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def text(value):
    return None if value is None else str(value)


async def identify(host, port, creds, sem, timeout):
    record = {"ip": host}
    # No login for this device: empty strings (zeep cannot render a UsernameToken of None;
    # a camera that needs no login ignores the token).
    user, password = "", ""
    if host in creds:
        user, password = creds[host]["user"], creds[host]["pass"]
    async with sem:
        cam = None
        try:
            cam = ONVIFCamera(host, port, user, password, adjust_time=True)
            # The documented start (as Home Assistant does it): clock offset, GetServices.
            await asyncio.wait_for(cam.update_xaddrs(), timeout)
            dev = await cam.create_devicemgmt_service()
            info = await asyncio.wait_for(dev.GetDeviceInformation(), timeout)
            record.update(
                manufacturer=text(info.Manufacturer),
                model=text(info.Model),
                firmware=text(info.FirmwareVersion),
                serial=text(info.SerialNumber),
            )
            nics = await asyncio.wait_for(dev.GetNetworkInterfaces(), timeout)
            for nic in nics or []:
                hw = getattr(getattr(nic, "Info", None), "HwAddress", None)
                if hw:
                    record["mac"] = str(hw)
                    break
        except Exception as e:  # a peer's failure is data for the benchmark
            record["error"] = f"{type(e).__name__}: {e}"[:200]
        finally:
            if cam is not None:
                try:
                    await cam.close()
                except Exception:
                    pass
    emit(record)


async def interrogate(devices, creds, concurrency, timeout):
    sem = asyncio.Semaphore(concurrency)
    if not devices:
        return
    # Load the WSDL documents once before the devices are contacted (no network I/O; seconds of
    # CPU). Left to the first requests, every device loads them at once and all miss a 3 s
    # timeout.
    host, port = devices[0]
    warm = ONVIFCamera(host, port, "", "")
    await warm.create_devicemgmt_service()
    await warm.close()
    await asyncio.gather(*(identify(h, p, creds, sem, timeout) for h, p in devices))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wait", type=float, default=1.0)
    ap.add_argument("--credentials", required=True)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--timeout", type=float, default=3.0)
    args = ap.parse_args()
    with open(args.credentials) as f:
        creds = json.load(f)
    devices = discover(args.wait)
    sys.stderr.write(f"wsd_zeep: {len(devices)} devices discovered\n")
    asyncio.run(interrogate(devices, creds, args.concurrency, args.timeout))


if __name__ == "__main__":
    main()
