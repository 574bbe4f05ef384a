# why-exits.awk: why L1's KVM exits, per I/O over each row's jobs: by SVM
# exit code, MSR (w/r), Hyper-V hypercall, injected vector and lazy EOI;
# the eight most frequent of each per row (>= 0.01 per I/O).
#   awk -v rt=RUNTIME -f why-exits.awk RESULTS HIST | sort -s -k1,1
# RESULTS: as for results.awk (IOPS times RUNTIME: the I/Os); HIST:
# hist-lines.awk's lines.
FNR == NR { if ($3 != "error") ios[$1] += $3 * rt; next }
# names(LIST, A): A[key] = name for the "key name ..." pairs of LIST
function names(list, a,    m, i) {
	split(list, m, " ")
	for (i = 1; i in m; i += 2) a[m[i]] = m[i + 1]
}
BEGIN {
	names("60 intr 61 nmi 64 vintr 6e rdtsc 72 cpuid 77 pause 78 hlt " \
	      "7b io 7c msr 81 vmmcall 400 npf 401 avic-ipi 402 avic-access", xn)
	names("80b x2apic-eoi 830 x2apic-icr 838 x2apic-tmict 6e0 tsc-deadline " \
	      "40000070 hv-eoi 40000071 hv-icr 40000072 hv-tpr 400000b0 hv-stimer0-config " \
	      "400000b1 hv-stimer0-count 40000084 hv-eom 40000001 hv-hypercall", mn)
	names("5c hv-post-message 5d hv-signal-event 2 hv-flush 13 hv-flush-ex " \
	      "3 hv-flush-list 14 hv-flush-list-ex b hv-send-ipi 8 hv-notify-long-spin", hn)
	names("ec local-timer ed hv-stimer0 f3 hv-callback fd resched fc call-func " \
	      "fb call-func-single f2 posted-intr", vn)
}
{ row = $1; ev = $2; n = $NF
  if (ev == "kvm_exit") name = ($3 in xn) ? xn[$3] : "exit " $3
  else if (ev == "kvm_msr") name = (($3 in mn) ? mn[$3] : "msr " $3) ($4 == 1 ? " w" : " r")
  else if (ev == "kvm_hv_hypercall") name = ($3 in hn) ? hn[$3] : "hypercall " $3
  else name = ($3 in vn) ? vn[$3] : "vector " $3
  c[row SUBSEP ev SUBSEP name] += n; rows[row] = 1 }
END {
	split("kvm_exit kvm_msr kvm_hv_hypercall kvm_inj_virq kvm_pv_eoi", evs, " ")
	for (row in rows) for (e = 1; e <= 5; e++) {
		line = ""
		# the eight largest, by repeated selection (small lists)
		delete used
		for (t = 0; t < 8; t++) {
			best = ""; bv = -1
			for (k in c) { split(k, p, SUBSEP)
				if (p[1] == row && p[2] == evs[e] && !(k in used) && c[k] > bv) { best = k; bv = c[k] } }
			if (best == "") break
			used[best] = 1; split(best, p, SUBSEP)
			if (ios[row] <= 0 || c[best] / ios[row] < 0.01) break
			line = line sprintf("  %s %.2f", p[3], c[best] / ios[row])
		}
		if (line != "") printf "  (%s) %-8s%s\n", row, substr(evs[e], 5), line
	}
}
