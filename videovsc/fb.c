// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_video's fbdev front end (video.h). The framebuffer is a shadow in
 * RAM (vmalloc'ed, as large as the VRAM, so every mode fits): fbcon draws
 * into it with the sys_* helpers, write(2) with fb_sys_write, and mmap(2)
 * maps its pages with deferred I/O, which reports the pages written. Each
 * path marks what it touched damaged; video.c copies the damage to the
 * VRAM and sends it as a dirty rectangle. A shadow rather than the VRAM
 * itself, as hyperv_fb does: the writes to an mmap of the VRAM would be
 * invisible to us, and the host only redraws what it is told about.
 * Every Debian 6.1 and 6.12 kernel (cloud ones too, which have no DRM)
 * has FB, FB_DEFERRED_IO and the sys_* helpers built in.
 */
#include <linux/fb.h>
#include <linux/vmalloc.h>

#include "videovsc/video.h"

#define FB_DEFIO_DELAY	(HZ / 20)

static void fb_set_format(struct fb_var_screeninfo *var)
{
	var->bits_per_pixel = 32;
	var->red = (struct fb_bitfield){ .offset = 16, .length = 8 };
	var->green = (struct fb_bitfield){ .offset = 8, .length = 8 };
	var->blue = (struct fb_bitfield){ .offset = 0, .length = 8 };
	var->transp = (struct fb_bitfield){ .offset = 24, .length = 8 };
	var->xres_virtual = var->xres;
	var->yres_virtual = var->yres;
	var->xoffset = 0;
	var->yoffset = 0;
}

static int ovb_fb_check_var(struct fb_var_screeninfo *var, struct fb_info *info)
{
	struct ovb_video *v = info->par;

	if (var->xres > v->max_w || var->yres > v->max_h ||
	    !ovb_vid_mode_fits(var->xres, var->yres, v->vram_size))
		return -EINVAL;
	fb_set_format(var);
	return 0;
}

static int ovb_fb_set_par(struct fb_info *info)
{
	struct ovb_video *v = info->par;
	int ret = ovb_video_set_mode(v, info->var.xres, info->var.yres);

	if (!ret)
		info->fix.line_length = info->var.xres * 4;
	return ret;
}

/* fbcon's palette: the 16 colours of a truecolor visual. */
static int ovb_fb_setcolreg(unsigned int regno, unsigned int red, unsigned int green,
			    unsigned int blue, unsigned int transp, struct fb_info *info)
{
	u32 *pal = info->pseudo_palette;

	if (regno >= 16)
		return -EINVAL;
	pal[regno] = (red & 0xff00) << 8 | (green & 0xff00) | (blue & 0xff00) >> 8;
	return 0;
}

/* Rows @start .. @start + @len of the framebuffer's bytes changed. */
static void ovb_fb_damage_bytes(struct fb_info *info, unsigned long start, unsigned long len)
{
	u32 pitch = info->fix.line_length;

	if (!len || !pitch)
		return;
	ovb_video_damage(info->par, 0, start / pitch, info->var.xres,
			 min_t(unsigned long, (start + len - 1) / pitch + 1, info->var.yres));
}

static ssize_t ovb_fb_write(struct fb_info *info, const char __user *buf, size_t count,
			    loff_t *ppos)
{
	loff_t start = *ppos;
	ssize_t ret = fb_sys_write(info, buf, count, ppos);

	if (ret > 0)
		ovb_fb_damage_bytes(info, start, ret);
	return ret;
}

static void ovb_fb_fillrect(struct fb_info *info, const struct fb_fillrect *r)
{
	sys_fillrect(info, r);
	ovb_video_damage(info->par, r->dx, r->dy, r->dx + r->width, r->dy + r->height);
}

static void ovb_fb_copyarea(struct fb_info *info, const struct fb_copyarea *a)
{
	sys_copyarea(info, a);
	ovb_video_damage(info->par, a->dx, a->dy, a->dx + a->width, a->dy + a->height);
}

static void ovb_fb_imageblit(struct fb_info *info, const struct fb_image *img)
{
	sys_imageblit(info, img);
	ovb_video_damage(info->par, img->dx, img->dy, img->dx + img->width,
			 img->dy + img->height);
}

/* Deferred I/O: the pages of the mapping written since the last run. */
static void ovb_fb_deferred_io(struct fb_info *info, struct list_head *pagereflist)
{
	struct fb_deferred_io_pageref *ref;
	unsigned long lo = ULONG_MAX, hi = 0;

	list_for_each_entry(ref, pagereflist, list) {
		lo = min(lo, ref->offset);
		hi = max(hi, ref->offset + PAGE_SIZE);
	}
	if (lo < hi)
		ovb_fb_damage_bytes(info, lo, hi - lo);
}

static const struct fb_ops ovb_fb_ops = {
	.owner = THIS_MODULE,
	.fb_read = fb_sys_read,
	.fb_write = ovb_fb_write,
	.fb_mmap = fb_deferred_io_mmap,
	.fb_check_var = ovb_fb_check_var,
	.fb_set_par = ovb_fb_set_par,
	.fb_setcolreg = ovb_fb_setcolreg,
	.fb_fillrect = ovb_fb_fillrect,
	.fb_copyarea = ovb_fb_copyarea,
	.fb_imageblit = ovb_fb_imageblit,
};

struct ovb_fb_par {
	struct fb_deferred_io defio;
	u32 palette[16];
};

int ovb_video_fb_init(struct ovb_video *v)
{
	struct fb_info *info;
	struct ovb_fb_par *p;
	int ret;

	info = framebuffer_alloc(sizeof(*p), ovb_video_dev(v));
	if (!info)
		return -ENOMEM;
	/* fbdev's par is ours; the fb's own bits live behind it. */
	p = info->par;
	info->par = v;
	v->shadow = vzalloc(v->vram_size);
	if (!v->shadow) {
		ret = -ENOMEM;
		goto release;
	}
	info->fbops = &ovb_fb_ops;
	info->flags = FBINFO_VIRTFB;
	info->screen_buffer = v->shadow;
	info->screen_size = v->vram_size;
	info->pseudo_palette = p->palette;
	strscpy(info->fix.id, "ovb_video", sizeof(info->fix.id));
	info->fix.type = FB_TYPE_PACKED_PIXELS;
	info->fix.visual = FB_VISUAL_TRUECOLOR;
	info->fix.smem_len = v->vram_size;
	info->fix.line_length = v->width * 4;
	info->var.xres = v->width;
	info->var.yres = v->height;
	info->var.activate = FB_ACTIVATE_NOW;
	info->var.height = -1;
	info->var.width = -1;
	info->var.vmode = FB_VMODE_NONINTERLACED;
	fb_set_format(&info->var);
	p->defio.delay = FB_DEFIO_DELAY;
	p->defio.deferred_io = ovb_fb_deferred_io;
	info->fbdefio = &p->defio;
	ret = fb_deferred_io_init(info);
	if (ret)
		goto free;
	v->info = info;
	ret = register_framebuffer(info);
	if (ret) {
		dev_err(ovb_video_dev(v), "cannot register the framebuffer: %d\n", ret);
		goto cleanup;
	}
	ovb_video_damage(v, 0, 0, v->width, v->height);
	return 0;
cleanup:
	v->info = NULL;
	fb_deferred_io_cleanup(info);
free:
	vfree(v->shadow);
	v->shadow = NULL;
release:
	framebuffer_release(info);
	return ret;
}

void ovb_video_fb_exit(struct ovb_video *v)
{
	struct fb_info *info = v->info;

	if (!info)
		return;
	unregister_framebuffer(info);
	fb_deferred_io_cleanup(info);
	/* The shadow stays: video.c frees it once its flush has stopped. */
	framebuffer_release(info);
	v->info = NULL;
}
