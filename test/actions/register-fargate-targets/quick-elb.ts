/**
 * ELB timings for the register tests' emulator scenarios. They assert nothing
 * about how long a load balancer takes to provision or to release its network
 * interfaces once deleted, which every ALB cycle would otherwise sit out at the
 * emulator's realistic 60 s and 120 s (0.6 s and 1.2 s at timeScale 0.01):
 * 10 s each here (0.1 s). Tests about provisioning set their own.
 */
export const QUICK_ELB = { provisioningSeconds: 10, eniReleaseSeconds: 10 } as const;
