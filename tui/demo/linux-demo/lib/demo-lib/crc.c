/*
 * crc.c from demo-lib: untagged; the file beside it says on what terms.
 */
unsigned int demo_crc(const unsigned char *p, int n)
{
	unsigned int c = 0;
	while (n--)
		c = c * 31 + *p++;
	return c;
}
