// Peer driver: the npm `onvif` package (agsh/onvif), discovery and device information.
//
// Does the job camaudit's benchmark does, the way the package's README does it: Discovery.probe
// for --wait, and as each device is announced, a Cam with that device's credentials that reads
// connect() (the package's documented start: GetSystemDateAndTime for the clock offset,
// GetServices or GetCapabilities for the service URLs, GetProfiles and GetVideoSources), then
// GetDeviceInformation and GetNetworkInterfaces (MAC).
// Prints one JSON line per device: {ip, manufacturer, model, firmware, serial, mac, error}.
//
// Usage: node onvif_node.js --wait 1.0 --credentials creds.json [--timeout 3] [--buffer-size N]
// --buffer-size is the package's own `bufferSize` probe option (SO_RCVBUF of the probe socket).
// Run with NODE_PATH pointing at the node_modules holding `onvif`.
'use strict';

const fs = require('fs');
const onvif = require('onvif');

function arg(name, fallback) {
	const i = process.argv.indexOf('--' + name);
	return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const waitMs = Math.round(parseFloat(arg('wait', '1')) * 1000);
const timeoutMs = Math.round(parseFloat(arg('timeout', '3')) * 1000);
const bufferSize = parseInt(arg('buffer-size', '0'), 10);
const creds = JSON.parse(fs.readFileSync(arg('credentials'), 'utf8'));

let pending = 0;
let discoveryDone = false;

function emit(record) {
	process.stdout.write(JSON.stringify(record) + '\n');
	pending -= 1;
	if (discoveryDone && pending === 0) {
		process.exit(0);
	}
}

function str(v) {
	return v === undefined || v === null ? null : String(v);
}

function identify(ip, port, path) {
	pending += 1;
	const c = creds[ip] || {};
	const record = { ip };
	const cam = new onvif.Cam({
		hostname: ip,
		port: port,
		path: path,
		username: c.user,
		password: c.pass,
		timeout: timeoutMs,
		autoconnect: false,
	});
	const fail = (what, err) => {
		record.error = what + ': ' + String(err && err.message ? err.message : err).slice(0, 200);
		emit(record);
	};
	cam.connect((err) => {
		if (err) { return fail('connect', err); }
		cam.getDeviceInformation((err, info) => {
			if (err) { return fail('GetDeviceInformation', err); }
			record.manufacturer = str(info.manufacturer);
			record.model = str(info.model);
			record.firmware = str(info.firmwareVersion);
			record.serial = str(info.serialNumber);
			cam.getNetworkInterfaces((err, nics) => {
				if (!err) {
					for (const nic of nics || []) {
						if (nic && nic.info && nic.info.hwAddress) {
							record.mac = str(nic.info.hwAddress);
							break;
						}
					}
				} else {
					record.error = 'GetNetworkInterfaces: ' + String(err.message || err).slice(0, 200);
				}
				emit(record);
			});
		});
	});
}

// resolve: false hands us the raw ProbeMatch, so a Cam is never auto-connected without the
// credentials (the package's default creates and connects one per reply).
onvif.Discovery.on('device', (probeMatch, rinfo) => {
	let url;
	try {
		const xaddrs = String(probeMatch.probeMatches.probeMatch.XAddrs).split(' ');
		url = new URL(xaddrs.find((x) => x.includes(rinfo.address)) || xaddrs[0]);
	} catch (e) {
		url = new URL('http://' + rinfo.address + '/onvif/device_service');
	}
	identify(rinfo.address, url.port || 80, url.pathname);
});
onvif.Discovery.on('error', () => {});
onvif.Discovery.probe({ timeout: waitMs, resolve: false, bufferSize }, (err, cams) => {
	process.stderr.write('onvif_node: ' + cams.length + ' devices discovered\n');
	discoveryDone = true;
	if (pending === 0) {
		process.exit(0);
	}
});
