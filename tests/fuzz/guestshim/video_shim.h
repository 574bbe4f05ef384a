/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * guestshim's pieces for ovb_video (videovsc/video.c): the VRAM mapping
 * (ioremap_cache gives plain memory of the size asked, so ASan sees a
 * copy past it), delayed work as plain work, the bus's MMIO allocator and
 * the fbdev front end (fb.c) as stubs that record what the driver did.
 * Include before the driver's sources.
 */
#ifndef OVB_GUESTSHIM_VIDEO_H
#define OVB_GUESTSHIM_VIDEO_H

#include "shim.h"
#include "linux/workqueue.h"

struct resource {
	resource_size_t start, end;
};

/* ---- the VRAM ---- */
static unsigned int video_shim_mapped;
static inline void __iomem *ioremap_cache(resource_size_t start, size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL);

	if (p)
		video_shim_mapped++;
	return p;
}
static inline void iounmap(void __iomem *p)
{
	video_shim_mapped--;
	free(p);
}
#define memcpy_toio(d, s, n)	memcpy(d, s, n)

/* ---- delayed work: queued now, run when the fuzzer runs work ---- */
#define INIT_DELAYED_WORK(d, f)		INIT_WORK(&(d)->work, f)
#define to_delayed_work(w)		container_of(w, struct delayed_work, work)
#define schedule_delayed_work(d, t)	((void)(t), schedule_work(&(d)->work))
#define cancel_delayed_work_sync(d)	cancel_work_sync(&(d)->work)

/* ---- the bus's MMIO: one window at 4 GiB - 256 MiB, allocations counted ---- */
#define VIDEO_SHIM_WINDOW	0xf0000000ull
static unsigned int video_shim_mmio_bytes, video_shim_mmio_live;
static int video_shim_mmio_error;

struct ovb_vmbus_device;
static int ovb_vmbus_allocate_mmio(struct ovb_vmbus_device *dev, resource_size_t size,
			    resource_size_t align, struct resource **res)
{
	if (video_shim_mmio_error)
		return video_shim_mmio_error;
	*res = kzalloc(sizeof(**res), GFP_KERNEL);
	if (!*res)
		return -ENOMEM;
	(*res)->start = VIDEO_SHIM_WINDOW;
	(*res)->end = VIDEO_SHIM_WINDOW + size - 1;
	video_shim_mmio_live++;
	return 0;
}
static void ovb_vmbus_free_mmio(struct resource *res)
{
	if (!res)
		return;
	video_shim_mmio_live--;
	kfree(res);
}
static u32 ovb_vmbus_mmio_bytes(struct ovb_vmbus_device *dev)
{
	return video_shim_mmio_bytes;
}

/* ---- fb.c: the framebuffer as the driver sees it (a shadow, registered or not) ---- */
struct fb_info {
	int registered;
};
static struct fb_info video_shim_fb;
static int video_shim_fb_error;

struct ovb_video;
int ovb_video_fb_init(struct ovb_video *v);
void ovb_video_fb_exit(struct ovb_video *v);

#endif /* OVB_GUESTSHIM_VIDEO_H */
