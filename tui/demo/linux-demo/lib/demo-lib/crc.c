/*
 * crc.c from demo-lib: untagged, with a LICENCE file in its directory.
 */
unsigned int demo_crc(const unsigned char *p, int n)
{
	unsigned int c = 0;
	while (n--)
		c = c * 31 + *p++;
	return c;
}
