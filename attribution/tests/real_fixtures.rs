//! Attribution of every real capture in protocol/fixtures/real that carries an identity.
//!
//! The XML/JSON parsers live in another crate, so each case copies the identity values from
//! its fixture literally; the test first checks that every literal really occurs in the named
//! fixture files, then attributes the observation and checks the verdict and the policy.

use camaudit_attribution::{Maker, Observation, PolicySet, VendorReply, attribute, explain};
use camaudit_protocol::mac::Mac;
use camaudit_protocol::record::Confidence;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../protocol/fixtures/real/");

struct Case {
    files: &'static [&'static str],
    obs: Observation,
    literals: Vec<&'static str>,
}

fn case(files: &'static [&'static str]) -> Case {
    Case {
        files,
        obs: Observation::default(),
        literals: Vec::new(),
    }
}

fn opt(s: &str) -> Option<String> {
    Some(s.to_owned())
}

impl Case {
    fn lit(mut self, s: &'static str) -> Self {
        self.literals.push(s);
        self
    }
    /// A MAC as the fixture writes it (colons, dashes, bare hex in a uuid tail).
    fn mac(mut self, s: &'static str) -> Self {
        self.obs.mac = Some(Mac::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")));
        self.lit(s)
    }
    fn manufacturer(mut self, s: &'static str) -> Self {
        self.obs.manufacturer = opt(s);
        self.lit(s)
    }
    fn model(mut self, s: &'static str) -> Self {
        self.obs.model = opt(s);
        self.lit(s)
    }
    fn firmware(mut self, s: &'static str) -> Self {
        self.obs.firmware = opt(s);
        self.lit(s)
    }
    fn serial(mut self, s: &'static str) -> Self {
        self.obs.serial = opt(s);
        self.lit(s)
    }
    fn hwid(mut self, s: &'static str) -> Self {
        self.obs.hardware_id = opt(s);
        self.lit(s)
    }
    fn scopes(mut self, v: &[&'static str]) -> Self {
        for s in v {
            self.obs.scopes.push((*s).to_owned());
            self.literals.push(s);
        }
        self
    }
    fn xaddr(mut self, s: &'static str) -> Self {
        self.obs.xaddrs.push(s.to_owned());
        self.lit(s)
    }
    fn ns(mut self, s: &'static str) -> Self {
        self.obs.namespaces.push(s.to_owned());
        self.lit(s)
    }
    fn realm(mut self, s: &'static str) -> Self {
        self.obs.realms.push(s.to_owned());
        self.lit(s)
    }
    fn server(mut self, s: &'static str) -> Self {
        self.obs.http_servers.push(s.to_owned());
        self.lit(s)
    }
    fn sadp(mut self, model: &'static str) -> Self {
        self.obs.vendor.push(VendorReply::Sadp {
            model: opt(model),
            serial: None,
            oem_info: None,
        });
        self.lit(model)
    }
    fn dhip(mut self, vendor: &'static str, device_type: &'static str) -> Self {
        self.obs.vendor.push(VendorReply::Dhip {
            vendor: opt(vendor),
            device_type: opt(device_type),
            serial: None,
        });
        self.lit(vendor).lit(device_type)
    }
    fn isapi(mut self, manufacturer: Option<&'static str>, oem_code: Option<&'static str>) -> Self {
        self.obs.vendor.push(VendorReply::IsapiDeviceInfo {
            manufacturer: manufacturer.map(str::to_owned),
            oem_code: oem_code.map(str::to_owned),
            model: None,
        });
        self.literals
            .extend(manufacturer.iter().chain(oem_code.iter()));
        self
    }
    fn update_serial(mut self, s: &'static str) -> Self {
        self.obs.vendor.push(VendorReply::DahuaUpdateSerial {
            update_serial: s.to_owned(),
        });
        self.lit(s)
    }
}

type Want = (
    Option<&'static str>,
    Option<&'static str>,
    bool,
    Option<Confidence>,
);

const H: Option<&str> = Some("Hikvision");
const D: Option<&str> = Some("Dahua");
const HIGH: Option<Confidence> = Some(Confidence::High);
const MEDIUM: Option<Confidence> = Some(Confidence::Medium);
const LOW: Option<Confidence> = Some(Confidence::Low);
const DAHUA_SCOPES: [&str; 3] = [
    "onvif://www.onvif.org/location/country/china",
    "onvif://www.onvif.org/type/Network_Video_Transmitter",
    "onvif://www.onvif.org/extension/unique_identifier",
];

fn cases() -> Vec<(Case, Want)> {
    vec![
        // ---- Hikvision ----
        (
            case(&["hikvision-ds-2cd2012-i-getdeviceinformation.xml", "hikvision-ds-2cd2012-i-getnetworkinterfaces.xml", "hikvision-ds-2cd2012-i-getcapabilities.xml"])
                .mac("c0:56:e3:f9:55:68").manufacturer("HIKVISION").model("DS-2CD2012-I").firmware("V5.2.0 build 140721")
                .serial("DS-2CD2012-I20150201CCWR501088621").hwid("88").xaddr("http://10.10.1.65/onvif/hik_ext")
                .ns("http://www.hikvision.com/2011/event/topics"),
            (H, Some("Hikvision"), false, HIGH),
        ),
        (
            case(&["hikvision-ds-2df7276-ael-getdeviceinformation.xml", "hikvision-ds-2df7276-ael-getnetworkinterfaces.xml"])
                .mac("44:19:b6:3e:ba:a1").manufacturer("HIKVISION").model("DS-2DF7276-AEL").firmware("V5.1.6 build 140401")
                .serial("DS-2DF7276-AEL20140613CCWR468714298B").hwid("88"),
            (H, Some("Hikvision"), false, HIGH),
        ),
        (
            case(&["hikvision-ds-2df7286-a-getdeviceinformation.http", "hikvision-ds-2df7286-a-getnetworkinterfaces.xml"])
                .mac("44:19:b6:4b:f1:a2").manufacturer("HIKVISION").model("DS-2DF7286-A").firmware("V5.3.0 build 150326")
                .serial("DS-2DF7286-A20140705CCWR471699220B").hwid("88").server("App-webs/"),
            (H, Some("Hikvision"), false, HIGH),
        ),
        (
            case(&["hikvision-ds-2cd3t45p1-i-getdeviceinformation.xml"])
                .manufacturer("HIKVISION").model("DS-2CD3T45P1-I").firmware("V5.5.31 build 180903")
                .serial("DS-2CD3T45P1-I20210803AACH248538890").hwid("88").ns("http://www.onvifext.com/onvif/ext/ver10/wsdl"),
            (H, Some("Hikvision"), false, HIGH),
        ),
        (
            case(&["hikvision-getnetworkinterfaces-agsh-mockup.xml"])
                .mac("28:57:be:65:7d:d5").ns("http://www.hikvision.com/2011/event/topics"),
            (H, None, false, HIGH),
        ),
        (
            case(&["hikvision-dfi6256te-probematch-fragment.xml"])
                .scopes(&["onvif://www.onvif.org/hardware/DFI6256TE"]).mac("68:6d:bc:5c:b1:5d"),
            (H, None, false, MEDIUM),
        ),
        (
            case(&["hikvision-ds-2cd2385g1-i-sadp-probematch.xml", "hikvision-ds-2cd2385g1-i-probematch-body-fragment.xml"])
                .sadp("DS-2CD2385G1-I").mac("58-50-ed-1f-e3-85").serial("DS-2CD2385G1-I20200414AAWRE33842150")
                .firmware("V5.6.2build 190701").scopes(&["onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I"]),
            (H, Some("Hikvision"), false, HIGH),
        ),
        (
            case(&["hikvision-ds-2cd3955fwd-iws-probematch.xml"]).mac("b4a3820fd92d").scopes(&[
                "onvif://www.onvif.org/hardware/DS-2CD3955FWD-IWS",
                "onvif://www.onvif.org/name/HIKVISION%20DS-2CD3955FWD-IWS",
            ]),
            (H, Some("Hikvision"), false, HIGH),
        ),
        (
            case(&["hikvision-ds-2cd2386g2-iu-isapi-deviceinfo.xml"])
                .isapi(Some("hikvision"), Some("1")).model("DS-2CD2386G2-IU").ns("http://www.hikvision.com/ver20/XMLSchema"),
            (H, Some("Hikvision"), false, HIGH),
        ),
        (
            case(&["http-rtsp-auth-challenges-added.txt"]).realm("IP Camera(D1486)"),
            (H, None, false, LOW),
        ),
        (case(&["http-banners-and-auth-challenges.txt"]).server("DNVRS-Webs"), (H, None, false, LOW)),
        // ---- Hikvision OEM and sub-brands ----
        (
            case(&["trendnet-tv-ip320pi-getdeviceinformation.xml", "trendnet-tv-ip320pi-getnetworkinterfaces.xml", "trendnet-tv-ip320pi-getcapabilities.xml"])
                .mac("3c:8c:f8:a1:32:dc").manufacturer("TRENDnet").model("TV-IP320PI").firmware("V5.3.4 build 160830")
                .serial("TV-IP320PI20161206AAWR863642784").hwid("88").xaddr("http://10.10.1.67/onvif/onvif_ext")
                .ns("http://www.onvifext.com/onvif/ext/ver10/wsdl"),
            (H, Some("TRENDnet"), true, HIGH),
        ),
        (
            case(&["onvif-enp1a14-ir-25x-getdeviceinformation.xml"])
                .manufacturer("ONVIF").model("ENP1A14-IR/25X").firmware("V5.5.3 build 180822")
                .serial("ENP1A14-IR/25X20190430AAWRD14878498W").hwid("88"),
            (H, None, false, HIGH),
        ),
        (
            case(&["lts-cmip7352w-isapi-deviceinfo-trimmed.xml"])
                .isapi(None, None).model("CMIP7352W").serial("CMIP7352W20170428AAWR756864499").firmware("V5.6.2")
                .mac("14:2f:fd:02:1a:36"),
            (H, Some("LTS"), true, HIGH),
        ),
        (
            case(&["ezviz-cs-c6tc-32wfr-sadp-probematch.xml"])
                .sadp("CS-C6TC-32WFR").mac("54-c4-15-9a-38-74").serial("CS-C6TC-32WFR0120170327CCCH738231995")
                .firmware("V5.2.3build 180804"),
            (H, Some("EZVIZ"), true, HIGH),
        ),
        // ---- Dahua ----
        (
            case(&["dahua-ipc-hfw2228m-i1-v2-hello.xml"]).scopes(&DAHUA_SCOPES).scopes(&[
                "onvif://www.onvif.org/name/Dahua",
                "onvif://www.onvif.org/hardware/IPC-HFW2228M-I1-V2",
            ]),
            (D, Some("Dahua"), false, HIGH),
        ),
        (
            case(&["dahua-dh-2h3400-adp-getdeviceinformation.xml"])
                .manufacturer("Dahua").model("DH-2H3400-ADP").firmware("2.811.0000013.0.R, Build Date 2023-12-20")
                .serial("BA07995PHA29A85").hwid("1.00"),
            (D, Some("Dahua"), false, HIGH),
        ),
        (
            case(&["dahua-ipc-hdw1025c-getdeviceinformation-body-fragment.xml", "http-rtsp-auth-challenges-added.txt"])
                .manufacturer("Dahua").model("IPC-HDW1025C").firmware("2.420.Dahua 00.14.R, build: 2016-06-18")
                .serial("2J01018PAA00813").realm("Login to 2J01018PAA00813"),
            (D, Some("Dahua"), false, HIGH),
        ),
        (
            case(&["dahua-ipc-hdw1431t1-s4-dhip-notifydevinfo.json"])
                .dhip("Private", "IPC-HDW1431T1-S4").mac("08:ed:ed:87:42:7a").serial("6C01E93PAG69A7D")
                .firmware("2.800.0000000.13.R"),
            (D, None, false, HIGH),
        ),
        (
            case(&["dahua-ipc-hdw5421s-dhip-notifydevinfo.json"]).dhip("Dahua", "IPC-HDW5421S").mac("4c:11:bf:c2:0b:9d"),
            (D, Some("Dahua"), false, HIGH),
        ),
        (case(&["dahua-getcapabilities-singleline.xml"]).xaddr("http://192.168.1.123/onvif/deviceIO_service"), (D, None, false, LOW)),
        (
            case(&["dahua-ipc-hfw1220m-i1-gb28181-deviceinfo.xml"])
                .manufacturer("Dahua").model("IPC-HFW1220M-I1").firmware("V2.420.14.R.2016-06-18"),
            (D, Some("Dahua"), false, HIGH),
        ),
        (
            case(&["dahua-ipc-hdw5831r-ze-magicbox-getsysteminfo.txt"])
                .model("IPC-HDW5831R-ZE").serial("4X7C5A1ZAG21L3F").update_serial("IPC-HDW5830R-Z"),
            (D, None, false, HIGH),
        ),
        (
            case(&["dahua-xvr5108c-x-magicbox-getsysteminfo.txt", "dahua-xvr5108c-x-magicbox-getdevicetype.txt"])
                .update_serial("XVR5108C-X").model("DH-XVR5108C-X"),
            (D, None, false, HIGH),
        ),
        (
            case(&["dahua-dh-nvr608h-128-4ks3-i-magicbox-getsysteminfo.txt"])
                .update_serial("DH-NVR608H-128-4KS3/I").serial("AJ0C56APAZ4145B"),
            (D, None, false, HIGH),
        ),
        (case(&["imou-ranger2-dhip-tcp-login-challenge.txt"]).realm("Login to 907F3C6C73FEDA77"), (D, None, false, MEDIUM)),
        // ---- Dahua OEM ----
        (
            case(&["intelbras-ss3530-mf-face-w-dhip-notifydevinfo.json"])
                .dhip("Intelbras", "SS 3530 MF FACE W").mac("b4:4c:3b:f4:e3:01").firmware("2.000.00IB004.0.R"),
            (D, Some("Intelbras"), true, HIGH),
        ),
        (
            case(&["lorex-nvr-dhi-nvr4108hs-8p-4ks2-magicbox-getsysteminfo.txt"]).update_serial("DHI-NVR4108HS-8P-4KS2"),
            (D, None, false, HIGH),
        ),
        (case(&["http-banners-and-auth-challenges.txt"]).realm("Login to ND011811000000"), (D, None, false, MEDIUM)),
        (
            case(&["amcrest-ip4m-1041b-magicbox-getsysteminfo.txt"]).update_serial("IPC-AW46WN-S2").model("IP4M-1041B"),
            (D, Some("Amcrest"), true, HIGH),
        ),
        (
            case(&["amcrest-ip5m-t1277ew-ai-getdeviceinformation.xml"])
                .manufacturer("Amcrest").model("IP5M-T1277EW-AI").firmware("V2.800.00AC003.0.R")
                .serial("AMC094B09882D5F152").hwid("1.00"),
            (D, Some("Amcrest"), true, HIGH),
        ),
        (
            case(&["amcrest-ip2m-841b-probematch-singleline.xml"]).scopes(&DAHUA_SCOPES).scopes(&[
                "onvif://www.onvif.org/name/Amcrest",
                "onvif://www.onvif.org/hardware/IP2M-841B",
            ]),
            (D, Some("Amcrest"), true, HIGH),
        ),
        (
            case(&["amcrest-ip5m-b1186e-probematch.xml"]).scopes(&DAHUA_SCOPES).scopes(&[
                "onvif://www.onvif.org/name/Amcrest",
                "onvif://www.onvif.org/hardware/IP5M-B1186E",
            ]),
            (D, Some("Amcrest"), true, HIGH),
        ),
        (
            case(&["amcrest-ip5m-t1179e-probematch-go-comment.xml"]).scopes(&DAHUA_SCOPES).scopes(&[
                "onvif://www.onvif.org/name/Amcrest",
                "onvif://www.onvif.org/hardware/IP5M-T1179E",
            ]),
            (D, Some("Amcrest"), true, HIGH),
        ),
        // ---- Other PRC makers and their OEMs ----
        (
            case(&["sunba-performance-series-getdeviceinformation.xml", "sunba-performance-series-getcapabilities.xml"])
                .manufacturer("SUNBA").model("Performance-Series").firmware("QIPC-B2202.3.73.C06290.NB.230628")
                .serial("210231T2H63235000045").xaddr("http://162.191.54.181:80/onvif/plus").ns("http://www.onvif.org/ver10/plus/wsdl"),
            (Some("Uniview"), Some("Sunba"), true, HIGH),
        ),
        (
            case(&["unbranded-gx728mf-ir28-getdeviceinformation.xml", "unbranded-gx728mf-ir28-getcapabilities.xml"])
                .manufacturer("NONE").model("GX728MF-IR28").firmware("IPC_G6106-B0005P11D1812C03")
                .serial("210235T8HQ3197000191").xaddr("http://192.168.1.127:80/onvif/plus"),
            (Some("Uniview"), None, false, HIGH),
        ),
        (
            case(&["sunba-xm530-50x50-wg-8m-getdeviceinformation.xml", "sunba-xm530-50x50-wg-8m-getcapabilities.xml"])
                .manufacturer("H264").model("XM530_50X50-WG_8M").firmware("V5.00.R02.L5330747.10010.349917..ONVIF 16.12")
                .xaddr("http://192.168.15.40:8899/onvif/telecom_service"),
            (Some("Xiongmai"), None, false, HIGH),
        ),
        (
            case(&["xiongmai-hi3516ev300-85h50ai-dvrip-systeminfo.json"])
                .model("HI3516EV300_85H50AI").firmware("V5.00.R02.000529B2.10010.040600.0020000"),
            (Some("Xiongmai"), None, false, MEDIUM),
        ),
        (
            case(&["xiongmai-ipc-gk7201v300-g2-wr-v-s38-dvrip-systeminfo.txt"])
                .model("IPC_GK7201V300_G2-WR-V_S38").firmware("V5.00.R02.000949U5.10000.141324.0000010"),
            (Some("Xiongmai"), None, false, MEDIUM),
        ),
        (case(&["http-banners-and-auth-challenges.txt"]).server("uc-httpd 1.0.0"), (Some("Xiongmai"), None, false, LOW)),
        (
            case(&["tiandy-tc-2808an-hd-gb28181-deviceinfo.xml"]).manufacturer("Tiandy").model("TC-2808AN-HD").firmware("V2.1, build 091111"),
            (Some("Tiandy"), Some("Tiandy"), false, HIGH),
        ),
        (
            case(&["scopes-multivendor-flir-geovision-panasonic-avigilon-tiandy.json"]).scopes(&[
                "onvif://www.onvif.org/hardware/TC-C32TS%20SPEC%3AI8%2FA%2FE%2FY%2FM%2FH%2F2.7-13.5mm",
                "onvif://www.onvif.org/mfr/ipcamera",
                "onvif://www.onvif.org/name/TC-C32TS%20SPEC%3AI8%2FA%2FE%2FY%2FM%2FH%2F2.7-13.5mm",
            ]),
            (Some("Tiandy"), None, false, MEDIUM),
        ),
        (
            case(&["milesight-ms-c8165-pe-getdeviceinformation.xml"])
                .manufacturer("Milesight Technology Co.,Ltd.").model("MS-C8165-PE").firmware("61.8.0.3-r8")
                .serial("EM82V102329001403").hwid("V1.0"),
            (Some("Milesight"), Some("Milesight"), false, HIGH),
        ),
        (
            case(&["reolink-rlc-411ws-api-getdevinfo.json"]).model("RLC-411WS").firmware("v2.0.0.1389_18081408"),
            (Some("Reolink"), None, false, HIGH),
        ),
        (case(&["reolink-api-getlocallink.json"]).mac("EC:71:DB:AA:59:CF"), (Some("Reolink"), None, false, MEDIUM)),
        (
            case(&["tplink-tapo-probematch-fragment.xml"])
                .mac("c006c3afec0e").scopes(&["onvif://www.onvif.org/name/TP-IPC", "onvif://www.onvif.org/hardware/MODEL"]),
            (Some("TP-Link"), None, false, MEDIUM),
        ),
        (case(&["http-banners-and-auth-challenges.txt"]).realm("TP-LINK IP-Camera"), (Some("TP-Link"), None, false, LOW)),
        // ---- Makers outside the PRC ----
        (
            case(&["axis-m2025-le-getdeviceinformation.xml", "axis-m2025-le-getservices.xml"])
                .manufacturer("AXIS").model("M2025-LE").firmware("9.80.3.13").serial("B8A44F26437D").hwid("727")
                .ns("http://www.axis.com/vapix/ws/action1"),
            (Some("Axis"), Some("Axis"), false, HIGH),
        ),
        (
            case(&["axis-q6045-e-getdeviceinformation.xml", "axis-q6045-e-getnetworkinterfaces.xml"])
                .manufacturer("AXIS").model("AXIS Q6045-E").firmware("5.55.1.2").mac("00:40:8C:FA:B7:54").hwid("1C9.2"),
            (Some("Axis"), Some("Axis"), false, HIGH),
        ),
        (case(&["http-banners-and-auth-challenges.txt"]).realm("AXIS_00408CEF081C"), (Some("Axis"), None, false, MEDIUM)),
        (
            case(&["bosch-flexidome-indoor-5100i-ir-getdeviceinformation.xml"])
                .manufacturer("Bosch").model("FLEXIDOME indoor 5100i IR").firmware("8.71.0066")
                .serial("404754734001050102").hwid("F000B543"),
            (Some("Bosch"), Some("Bosch"), false, HIGH),
        ),
        (case(&["http-banners-and-auth-challenges.txt"]).realm("Use 'live' as User Name"), (Some("Bosch"), None, false, MEDIUM)),
        (
            case(&["pelco-d6230l-getdeviceinformation.xml", "pelco-d6230l-getnetworkinterfaces.xml"])
                .manufacturer("Pelco").model("D6230L").firmware("2.9.0.4.9340-A0.0").serial("J250117")
                .hwid("00:04:7d:0e:b8:5c").mac("00047D0EB85C"),
            (Some("Pelco"), Some("Pelco"), false, HIGH),
        ),
        (
            case(&["dlink-dcs-6511-getdeviceinformation.xml"])
                .manufacturer("D-Link Corporation").model("DCS-6511").firmware("1.16.00").serial("F07D68099FCA"),
            (Some("D-Link"), Some("D-Link"), false, HIGH),
        ),
        (
            case(&["hanwha-xnd-c9083rv-sunapi-deviceinfo.txt"])
                .model("XND-C9083RV").firmware("2.11.01_20211210_R251").serial("ZR5K70GR700007A").mac("00:09:18:6B:71:D7"),
            (Some("Hanwha Vision"), None, false, HIGH),
        ),
        (
            case(&["hanwha-xnf-9010rv-sunapi-deviceinfo.txt", "hanwha-xnf-9010rv-sunapi-deviceinfo.json"])
                .model("XNF-9010RV").firmware("2.01.00_20200721_R201").serial("ZLNA70GKA0001JZ").mac("00:09:18:5B:BD:3A"),
            (Some("Hanwha Vision"), None, false, HIGH),
        ),
        (
            case(&["hanwha-pnm-c7083rvd-sunapi-deviceinfo.json"])
                .model("PNM-C7083RVD").firmware("2.21.01_20220517_R276").serial("SEP70GRC0000SY").mac("00:09:18:6E:12:B0"),
            (Some("Hanwha Vision"), None, false, HIGH),
        ),
        (
            case(&["hanwha-prn-4011-sunapi-deviceinfo-nvr.txt"]).model("PRN-4011").firmware("v2.10_180329015157").mac("00:09:18:30:97:01"),
            (Some("Hanwha Vision"), None, false, HIGH),
        ),
        (
            case(&["scopes-multivendor-flir-geovision-panasonic-avigilon-tiandy.json"])
                .scopes(&[
                    "onvif://www.onvif.org/hardware/CM-6204-11-I",
                    "onvif://www.onvif.org/name/FLIR%20CM-6204-11-I%20K816600858",
                    "onvif://www.onvif.org/manufacturer/FLIR%20Systems",
                    "onvif://www.onvif.org/manufacturer/DVTel",
                ])
                .mac("00-1b-d8-80-cd-6c"),
            (Some("FLIR"), Some("FLIR"), false, HIGH),
        ),
        (
            case(&["scopes-multivendor-flir-geovision-panasonic-avigilon-tiandy.json"])
                .scopes(&["onvif://www.onvif.org/name/ArielFHDIPCamera", "onvif://www.onvif.org/hardware/CM-3102-11-I"])
                .mac("00-1b-d8-60-1f-8d"),
            (Some("FLIR"), None, false, HIGH),
        ),
        (
            case(&["scopes-multivendor-flir-geovision-panasonic-avigilon-tiandy.json"]).scopes(&[
                "onvif://www.onvif.org/hardware/GV-UNP2500",
                "onvif://www.onvif.org/location/country/taiwan",
                "onvif://www.onvif.org/name/Geovision",
            ]),
            (Some("GeoVision"), Some("GeoVision"), false, HIGH),
        ),
        (
            case(&["scopes-multivendor-flir-geovision-panasonic-avigilon-tiandy.json"]).scopes(&[
                "onvif://www.onvif.org/name/Panasonic",
                "onvif://www.onvif.org/hardware/WV-V1330LK",
                "onvif://www.onvif.org/extension/unique_identifier",
            ]),
            (Some("Panasonic"), Some("Panasonic"), false, HIGH),
        ),
        (
            case(&["scopes-multivendor-flir-geovision-panasonic-avigilon-tiandy.json"])
                .scopes(&["onvif://www.onvif.org/hardware/2.0-H3M-DO1"])
                .mac("00-18-85-14-3e-0a"),
            (Some("Avigilon"), None, false, HIGH),
        ),
        // ---- Unknown stays unknown ----
        (
            case(&["generic-ipcam-631ga-probematch.xml"]).mac("78A5DD0F9593").scopes(&[
                "onvif://www.onvif.org/Model/631GA",
                "onvif://www.onvif.org/Name/IPCAM",
                "onvif://www.onvif.org/location/country/china",
            ]),
            (None, None, false, None),
        ),
        (
            case(&["scopes-multivendor-flir-geovision-panasonic-avigilon-tiandy.json"])
                .scopes(&["onvif://www.onvif.org/hardware/FI710-L", "onvif://www.onvif.org/name/STD"]),
            // A name scope that is not a known brand is not taken as one (it is often a model).
            (None, None, false, None),
        ),
        (
            case(&["scopes-multivendor-flir-geovision-panasonic-avigilon-tiandy.json"])
                .scopes(&["onvif://www.onvif.org/name/ONVIF_ICAMERA", "onvif://www.onvif.org/hardware/MSTAR_IPNC"]),
            (None, None, false, None),
        ),
        (
            case(&["unbranded-ipd-h4k8m05-bs-getdeviceinformation.xml"])
                .manufacturer("").model("IPD-H4K8M05-BS").firmware("V1.04.10-190309").serial("071D3E36963F").hwid("1.0"),
            (None, None, false, None),
        ),
        (case(&["xiongmai-dvrip-udp34569-netcommon-search-reply.json"]).mac("00:12:31:08:bb:97"), (None, None, false, None)),
    ]
}

#[test]
fn every_real_identity_is_attributed() {
    let policy = PolicySet::builtin();
    let mut failures = Vec::new();
    let all = cases();
    for (i, (c, want)) in all.iter().enumerate() {
        let text: String = c
            .files
            .iter()
            .map(|f| {
                std::fs::read_to_string(format!("{DIR}{f}")).unwrap_or_else(|e| panic!("{f}: {e}"))
            })
            .collect();
        for l in &c.literals {
            assert!(text.contains(l), "case {i}: '{l}' is not in {:?}", c.files);
        }
        let a = attribute(&c.obs);
        let got = (
            a.maker.as_deref(),
            a.brand.as_deref(),
            a.rebrand,
            a.confidence,
        );
        if got != *want {
            failures.push(format!(
                "case {i} {:?}: got {got:?}, want {want:?}\n  {}",
                c.files,
                explain(&a).join("\n  ")
            ));
            continue;
        }
        if a.maker.is_some() {
            assert!(
                a.evidence.iter().any(|e| e.indicates == a.maker),
                "case {i}: no evidence for the maker"
            );
        }
        // Policy: Hikvision/Dahua-made devices are restricted under both lists whatever
        // their label; makers outside the PRC never are.
        let p = policy.evaluate(&a);
        match a.maker.as_deref().and_then(Maker::from_name) {
            Some(Maker::Hikvision | Maker::Dahua) => {
                assert_eq!(p.lists, ["us-ndaa-889", "uk-nil"], "case {i}")
            }
            Some(m) if !matches!(m.country(), "CN" | "HK") => {
                assert!(!p.restricted, "case {i}: {m}")
            }
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
    assert!(all.len() >= 60, "{}", all.len());
}
