/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ovb-host's VMBus control thread: messages the guest posts (HvPostMessage
 * on a vCPU thread) are queued and fed to the VMBus server in order on one
 * thread; the server's ops are implemented over hv/ (messages, events)
 * and vmm/ (guest memory). Names no device: devices are added to the
 * server (vmbus_host_server()) by whoever creates them.
 *
 * Threads: new/start/stop/free on the main thread; the server runs on the
 * control thread this starts.
 */
#ifndef OVB_HOST_VMBUS_HOST_H
#define OVB_HOST_VMBUS_HOST_H

struct vm;
struct hv;
struct vmbus_host;
struct vmbus_server;

/* The server and its ops; the guest's messages are queued from now on. */
struct vmbus_host *vmbus_host_new(struct vm *vm, struct hv *hv);
struct vmbus_server *vmbus_host_server(struct vmbus_host *vh);
/* Start the control thread (after the boot-time devices are added). 0 or -1. */
int vmbus_host_start(struct vmbus_host *vh);
/* Stop and join the control thread: no server call runs after this. */
void vmbus_host_stop(struct vmbus_host *vh);
/* Free the server (its devices' VSPs are freed by their owners after). */
void vmbus_host_free(struct vmbus_host *vh);

#endif /* OVB_HOST_VMBUS_HOST_H */
