# per-io.awk: L1 KVM's counters per I/O, per job of one row.
#   sed -n 's/^BENCH: //p' SERIAL | awk -v row=ROW -v f=SAMPLES -f per-io.awk
# Input: the row's BENCH lines (job, IOPS, ...). SAMPLES: vmwatch's lines
# (time in ns, the console's BENCH line count, seven counters); during job
# k the console has 2k-1 BENCH lines. Output per job: "ROW JOB" and the
# counters' rise over the job's samples over its IOPS times their span.
{ job[NR] = $1; iops[NR] = $2 }
END {
	while ((getline l < f) > 0) {
		split(l, v, " "); k = (v[2] + 1) / 2
		if (v[2] % 2 == 0 || !(k in job)) continue
		if (!(k in t0)) { t0[k] = v[1]; for (i = 3; i <= 9; i++) c0[k, i] = v[i] }
		t1[k] = v[1]; for (i = 3; i <= 9; i++) c1[k, i] = v[i]
	}
	for (k in job) {
		if (!(k in t0) || t1[k] - t0[k] < 2e9 || iops[k] <= 0) continue
		n = iops[k] * (t1[k] - t0[k]) / 1e9
		printf "%s %s", row, job[k]
		for (i = 3; i <= 9; i++)
			printf " %.2f", (c1[k, i] - c0[k, i]) / n
		printf "\n"
	}
}
