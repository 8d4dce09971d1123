"""SNMP: `session` is the only module that touches the network through pysnmp; `probe` is the raw discovery probe."""
