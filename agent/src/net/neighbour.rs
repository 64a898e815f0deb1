//! The kernel neighbour (ARP) table, read from `/proc/net/arp` without privileges: the MAC of
//! a device on the same link once we have talked to it.

use std::net::Ipv4Addr;

use camaudit_protocol::mac::Mac;

/// Parses `/proc/net/arp` text into complete (flag 0x2) entries.
pub fn parse_arp(text: &str) -> Vec<(Ipv4Addr, Mac)> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let [ip, _hw_type, flags, mac, ..] = cols.as_slice() else {
            continue;
        };
        let complete =
            u32::from_str_radix(flags.trim_start_matches("0x"), 16).is_ok_and(|f| f & 0x2 != 0);
        if !complete {
            continue;
        }
        let (Ok(ip), Ok(mac)) = (ip.parse(), Mac::parse(mac)) else {
            continue;
        };
        if mac.0 != [0; 6] {
            out.push((ip, mac));
        }
    }
    out
}

/// The current table (empty when unreadable).
pub fn table() -> Vec<(Ipv4Addr, Mac)> {
    std::fs::read_to_string("/proc/net/arp")
        .map(|t| parse_arp(&t))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_complete_entries_only() {
        let text = "IP address       HW type     Flags       HW address            Mask     Device\n\
                    10.77.0.10       0x1         0x2         44:19:b6:00:00:01     *        veth0\n\
                    10.77.0.11       0x1         0x0         00:00:00:00:00:00     *        veth0\n\
                    garbage\n";
        let t = parse_arp(text);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].0, Ipv4Addr::new(10, 77, 0, 10));
        assert_eq!(t[0].1.to_string(), "44:19:b6:00:00:01");
    }
}
