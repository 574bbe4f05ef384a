# speed.awk: the L1 speed checks ("ROW ROUND MS" lines) on one line.
{ printf " %s%s=%s", $1, (ROUNDS > 1 ? "." $2 : ""), $3 } END { print "" }
