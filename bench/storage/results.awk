# results.awk: the results table, per job and row, with the ratios to (c)
# and (d) and the issue's targets for (a).
#   awk -f results.awk part=rows ROWS part=notes NOTES part=results RESULTS
# ROWS: bench/storage/rows; NOTES: "ROW TEXT" lines, why a row has no
# result (the last one of a row counts); RESULTS: "ROW JOB IOPS KiB/s LAT P99"
# lines, or "ROW JOB error"; with several rounds the run with the most IOPS.
part == "rows" {
	if ($0 ~ /^#/ || NF == 0) next
	split($0, f, "|"); rows[++nrows] = f[1]; name[f[1]] = f[2]; next
}
part == "notes" { w = $1; sub(/^[^ ]* /, ""); note[w] = $0; next }
# several rounds: keep the run with the most IOPS
part == "results" { k = $1 SUBSEP $2
  if (!($2 in seen)) { seen[$2] = 1; jobs[++nj] = $2 }
  if ($3 == "error") { if (!(k in iops)) err[k] = 1; next }
  if (!(k in iops) || err[k] || $3 + 0 > iops[k] + 0) {
	iops[k] = $3; kib[k] = $4; lat[k] = $5; p99[k] = $6; err[k] = 0 } }
function r(a, b) { return (b > 0 && a != "") ? sprintf("%.3g", a / b) : "-" }
END {
	if (nj == 0) { jobs[1] = "randread-4k-qd1"; nj = 1 }
	printf "%-18s %-16s %9s %8s %10s %10s %7s %7s %7s %7s %7s %7s\n", "job", "row", "IOPS", "MB/s",
		"lat avg us", "p99 us", "IOPS/c", "IOPS/d", "lat/c", "lat/d", "IOPS/a", "IOPS/k"
	for (j = 1; j <= nj; j++) {
		J = jobs[j]
		for (x = 1; x <= nrows; x++) {
			w = rows[x]; k = w SUBSEP J; c = "c" SUBSEP J; d = "d" SUBSEP J
			if (note[w] != "" && !(k in iops)) { printf "%-18s %-16s %s\n", J, name[w], note[w]; continue }
			if (!(k in iops) || err[k]) { printf "%-18s %-16s %s\n", J, name[w], "n/a (no result)"; continue }
			rc = (c in iops && !err[c]); rd = (d in iops && !err[d])
			# the image format rows (e and after): against raw, direct (a) and buffered (k)
			fa = "a" SUBSEP J; fk = "k" SUBSEP J; fr = (w > "d")
			printf "%-18s %-16s %9d %8.1f %10.1f %10d %7s %7s %7s %7s %7s %7s\n", J, name[w],
				iops[k], kib[k] * 1024 / 1e6, lat[k], p99[k],
				(w == "a" || w == "b" || w == "j") && rc ? r(iops[k], iops[c]) : "",
				(w != "d") && rd ? r(iops[k], iops[d]) : "",
				(w == "a" || w == "b" || w == "j") && rc ? r(lat[k], lat[c]) : "",
				(w != "d") && rd ? r(lat[k], lat[d]) : "",
				fr && (fa in iops) && !err[fa] ? r(iops[k], iops[fa]) : "",
				fr && w != "k" && (fk in iops) && !err[fk] ? r(iops[k], iops[fk]) : ""
		}
	}
	# issue 16's targets, against raw (a): fixed (e) >= 0.95x, dynamic written (f) >= 0.8x,
	# differencing reads (h) >= 0.8x; (f) over QEMU on the same VHDX (j)
	if (("a" SUBSEP "randread-4k-qd32") in iops && (("e" SUBSEP "randread-4k-qd32") in iops ||
	    ("f" SUBSEP "randread-4k-qd32") in iops)) {
		printf "targets (issue 16), IOPS over (a) on 4k QD32 randread / randwrite / 1M read / 1M write:"
		split("randread-4k-qd32 randwrite-4k-qd32 read-1m-qd8 write-1m-qd8", fj, " ")
		split("e f h", fw, " ")
		for (x = 1; x <= 3; x++) {
			printf " (%s)", fw[x]
			for (y = 1; y <= 4; y++)
				printf " %s", r(iops[fw[x] SUBSEP fj[y]], iops["a" SUBSEP fj[y]])
			printf ";"
		}
		printf " (f)/(j) 4k QD32 randread %s\n", r(iops["f" SUBSEP fj[1]], iops["j" SUBSEP fj[1]])
	}
	# issue 5 targets for (a)
	a1 = "a" SUBSEP "randread-4k-qd32"; c1 = "c" SUBSEP "randread-4k-qd32"
	if ((a1 in iops) && (c1 in iops) && !err[a1] && !err[c1] && iops[c1] > 0) {
		q1 = "randread-4k-qd1"; rr = "read-1m-qd8"; ww = "write-1m-qd8"
		printf "targets for (a): 4k QD32 randread IOPS >= 2x (c): %s;", r(iops[a1], iops[c1])
		printf " 4k QD1 randread latency <= 0.8x (c): %s;", r(lat["a" SUBSEP q1], lat["c" SUBSEP q1])
		printf " seq read/write >= 1.2x (c): %s / %s;", r(kib["a" SUBSEP rr], kib["c" SUBSEP rr]),
			r(kib["a" SUBSEP ww], kib["c" SUBSEP ww])
		printf " (a) >= (b) on 4k QD32 randread: %s\n", r(iops[a1], iops["b" SUBSEP "randread-4k-qd32"])
	}
}
