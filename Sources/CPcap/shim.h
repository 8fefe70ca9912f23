#ifndef PAYLAB_CPCAP_SHIM_H
#define PAYLAB_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
