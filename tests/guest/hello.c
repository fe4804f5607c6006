#include <stdio.h>

int main(void) {
    printf("Hello from AArch64!\n");
    return 0;
}
