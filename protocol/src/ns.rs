//! Namespace URIs camaudit matches on. Never match on prefixes: cameras vary them.

pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const WSA_2004: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
pub const WSA_2005: &str = "http://www.w3.org/2005/08/addressing";
pub const WSD_2005: &str = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
pub const WSD_2009: &str = "http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01";
pub const ONVIF_NETWORK: &str = "http://www.onvif.org/ver10/network/wsdl";
pub const ONVIF_DEVICE: &str = "http://www.onvif.org/ver10/device/wsdl";
pub const ONVIF_SCHEMA: &str = "http://www.onvif.org/ver10/schema";
pub const ONVIF_ERROR: &str = "http://www.onvif.org/ver10/error";
pub const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
pub const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
