# hist-lines.awk: a tracefs histogram's "{ key: v, ... } hitcount: N" lines
# (braces and commas removed) as "ROW EVENT KEY... COUNT".
#   awk -v row=ROW -v ev=EVENT -f hist-lines.awk
{
	k = ""; for (i = 1; i < NF - 1; i += 2) if ($i != "hitcount:") k = k " " $(i + 1)
	print row, ev k, $NF
}
