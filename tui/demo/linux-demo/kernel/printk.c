/*
 * printk.c - an untagged file with no notice either: the tree's
 * COPYING default applies.
 */
int demo_printk(const char *fmt)
{
	return 0;
}
