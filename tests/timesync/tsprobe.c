// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tsprobe (runs in the pair's L2 guest): how far the guest's clocks are
 * from the host's. The host's time reaches the guest independently of
 * timesync through ovb-host's CMOS RTC, which reads the host's wall clock
 * in whole seconds: at the instant the RTC's second changes, the host's
 * time is exactly that second. tsprobe waits for that edge and prints
 *
 *   offset-ms REALTIME <guest wall clock - host>
 *   offset-ms PTP <the PTP clock named "hyperv" - host>   (if there is one)
 *
 *   tsprobe [--set-off SECONDS]   first step the wall clock by SECONDS
 *
 * Exit status 0, or 1 if the RTC or a clock cannot be read.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* The clock id of an open PTP device (linux/posix-timers.h's FD_TO_CLOCKID). */
#define FD_TO_CLOCKID(fd)	((clockid_t)((((unsigned int)~(fd)) << 3) | 3u))

static double ts_sec(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

/* The /dev/ptpN whose clock_name is "hyperv", opened; -1 if none. */
static int ptp_open(void)
{
	DIR *d = opendir("/sys/class/ptp");
	struct dirent *e;
	int fd = -1;

	while (d && (e = readdir(d)) && fd < 0) {
		char path[300], name[64] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/ptp/%s/clock_name", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) && !strncmp(name, "hyperv", 6)) {
			snprintf(path, sizeof(path), "/dev/%s", e->d_name);
			fd = open(path, O_RDONLY);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return fd;
}

static time_t rtc_seconds(int fd)
{
	struct rtc_time r;
	struct tm tm = { 0 };

	if (ioctl(fd, RTC_RD_TIME, &r))
		return (time_t)-1;
	tm.tm_sec = r.tm_sec;
	tm.tm_min = r.tm_min;
	tm.tm_hour = r.tm_hour;
	tm.tm_mday = r.tm_mday;
	tm.tm_mon = r.tm_mon;
	tm.tm_year = r.tm_year;
	return timegm(&tm);
}

int main(int argc, char **argv)
{
	struct timespec rt, pt;
	time_t first, now;
	int rtc, ptp, ptp_ok = 0;

	if (argc == 3 && !strcmp(argv[1], "--set-off")) {
		clock_gettime(CLOCK_REALTIME, &rt);
		rt.tv_sec += atol(argv[2]);
		if (clock_settime(CLOCK_REALTIME, &rt)) {
			perror("tsprobe: clock_settime");
			return 1;
		}
	}
	rtc = open("/dev/rtc0", O_RDONLY);
	if (rtc < 0) {
		perror("tsprobe: /dev/rtc0");
		return 1;
	}
	ptp = ptp_open();
	first = rtc_seconds(rtc);
	if (first == (time_t)-1) {
		perror("tsprobe: RTC_RD_TIME");
		return 1;
	}
	/* Spin to the edge (at most ~1 s): the host's time is exactly 'now' there. */
	do {
		now = rtc_seconds(rtc);
	} while (now == first);
	clock_gettime(CLOCK_REALTIME, &rt);
	if (ptp >= 0)
		ptp_ok = !clock_gettime(FD_TO_CLOCKID(ptp), &pt);
	printf("offset-ms REALTIME %.0f\n", (ts_sec(&rt) - (double)now) * 1000);
	if (ptp_ok)
		printf("offset-ms PTP %.0f\n", (ts_sec(&pt) - (double)now) * 1000);
	else
		printf("no PTP clock%s\n", ptp >= 0 ? " reading" : "");
	return 0;
}
