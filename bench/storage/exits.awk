# exits.awk: per-io.awk's lines, one per job and row (the last round's), as
# the table's rows.
{ k = $2 SUBSEP $1; if (!(k in v)) o[++n] = k
  v[k] = sprintf("%-18s (%s) %6s %6s %6s %6s %6s %6s %6s", $2, $1, $3, $4, $5, $6, $7, $8, $9) }
END { for (i = 1; i <= n; i++) print "  " v[o[i]] }
