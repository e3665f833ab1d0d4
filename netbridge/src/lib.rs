//! Container networking without a daemon.
//!
//! It owns bridge networks and veth pairs (rtnetlink), address allocation, the nftables rules
//! tug keeps in a table of its own (NAT, published ports, isolation), and the per-host DNS
//! server that answers for container, service and alias names. It knows nothing about
//! Compose. Filled by the netbridge issue.
