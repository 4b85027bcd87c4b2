/* placeholder until the daemon lands (issue: Foundation) */
int main(void) { return 0; }
