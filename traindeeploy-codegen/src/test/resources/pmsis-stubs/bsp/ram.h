/*
 * Test stub of the PULP SDK's bsp/ram.h (the RAM driver for L3; not included by pmsis.h), from
 * the SDK's published API: default RAM configuration, open, alloc, and the cluster-side requests.
 */
#ifndef TD_STUB_BSP_RAM_H
#define TD_STUB_BSP_RAM_H

#include "pmsis.h"

struct pi_default_ram_conf {
    int ram_start;
    int ram_size;
};

typedef struct pi_cl_ram_req_s {
    struct pi_device *device;
    void *addr;
    uint32_t pi_ram_addr;
    uint32_t size;
    int ext2loc;
    int done;
} pi_cl_ram_req_t;

void pi_default_ram_conf_init(struct pi_default_ram_conf *conf);
int pi_ram_open(struct pi_device *device);
int pi_ram_alloc(struct pi_device *device, uint32_t *addr, uint32_t size);
void pi_cl_ram_read(struct pi_device *device, uint32_t pi_ram_addr, void *addr, uint32_t size, pi_cl_ram_req_t *req);
void pi_cl_ram_read_wait(pi_cl_ram_req_t *req);
void pi_cl_ram_write(struct pi_device *device, uint32_t pi_ram_addr, void *addr, uint32_t size, pi_cl_ram_req_t *req);
void pi_cl_ram_write_wait(pi_cl_ram_req_t *req);
/* 2-D: `size` bytes in rows of `length` bytes, `stride` bytes apart in the RAM; contiguous at addr. */
void pi_cl_ram_read_2d(struct pi_device *device, uint32_t pi_ram_addr, void *addr, uint32_t size, uint32_t stride, uint32_t length,
                       pi_cl_ram_req_t *req);
void pi_cl_ram_write_2d(struct pi_device *device, uint32_t pi_ram_addr, void *addr, uint32_t size, uint32_t stride, uint32_t length,
                        pi_cl_ram_req_t *req);

#endif
