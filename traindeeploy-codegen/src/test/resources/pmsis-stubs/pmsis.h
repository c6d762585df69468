/*
 * Test stub of the PULP SDK's pmsis.h: only the declarations the generated code uses, written from
 * the SDK's published API (pmsis_api: cluster team, cluster DMA, cluster device and task, kickoff).
 * It lets the tests compile the pmsis flavour with warnings as errors; it links against nothing.
 */
#ifndef TD_STUB_PMSIS_H
#define TD_STUB_PMSIS_H

#include <stddef.h>
#include <stdint.h>

#define PI_L2 __attribute__((section(".l2_data")))
#define PI_CL_L1 __attribute__((section(".data_l1")))

struct pi_device {
    void *config;
    void *data;
    void *api;
};

void pi_open_from_conf(struct pi_device *device, void *conf);

/* cluster device and tasks */
struct pi_cluster_conf {
    int device_type;
    int id;
    void *heap_start;
    uint32_t heap_size;
};

struct pi_cluster_task {
    void (*entry)(void *arg);
    void *arg;
    void *stacks;
    uint32_t stack_size;
    uint32_t slave_stack_size;
    int nb_cores;
};

void pi_cluster_conf_init(struct pi_cluster_conf *conf);
int pi_cluster_open(struct pi_device *device);
int pi_cluster_close(struct pi_device *device);
struct pi_cluster_task *pi_cluster_task(struct pi_cluster_task *task, void (*entry)(void *arg), void *arg);
int pi_cluster_send_task_to_cl(struct pi_device *device, struct pi_cluster_task *task);

/* cluster team */
void pi_cl_team_fork(int nb_cores, void (*entry)(void *arg), void *arg);
void pi_cl_team_barrier(void);
uint32_t pi_core_id(void);

/* cluster DMA (MCHAN) */
typedef enum {
    PI_CL_DMA_DIR_LOC2EXT = 0,
    PI_CL_DMA_DIR_EXT2LOC = 1
} pi_cl_dma_dir_e;

typedef struct pi_cl_dma_cmd_s {
    int id;
    struct pi_cl_dma_cmd_s *next;
} pi_cl_dma_cmd_t;

void pi_cl_dma_cmd(uint32_t ext, uint32_t loc, uint32_t size, pi_cl_dma_dir_e dir, pi_cl_dma_cmd_t *cmd);
void pi_cl_dma_cmd_2d(uint32_t ext, uint32_t loc, uint32_t size, uint32_t stride, uint32_t length, pi_cl_dma_dir_e dir, pi_cl_dma_cmd_t *cmd);
void pi_cl_dma_cmd_wait(pi_cl_dma_cmd_t *cmd);

/* start-up and exit */
int pmsis_kickoff(void *arg);
void pmsis_exit(int err);

#endif
