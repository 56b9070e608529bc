;; compressed.s: TBs of one module, guest code at 0x10000
;; TB 2
;;   0x10000  c.addi a0,1
;;   0x10002  c.lw a1,4(a0)
;;   0x10004  c.mv a2,a1
;;   0x10006  c.ebreak
(module
  (type (;0;) (func (result i32)))
  (type (;1;) (func (param i32) (result i32)))
  (import "env" "mem" (memory (;0;) 1))
  (import "env" "tbl" (table (;0;) 1 funcref))
  (export "2" (func 1))
  (elem (i32.const 2) func 1)
  (func (;0;) (type 1) (param i32) (result i32)
    (local i64 i32 i64 i32 i64 i64 i64 i64 i64 i32 i64 i64 i32 i32)
    i32.const 0
    i64.load offset=4104
    local.set 5
    i32.const 0
    i64.load offset=4432
    local.set 8
    i32.const 0
    i64.load offset=4440
    local.set 11
    i32.const 0
    i64.load offset=4448
    local.set 12
    block
      block
        block
          loop
            block
              local.get 0
              br_table 0 0
            end
            local.get 5
            i64.const 4
            i64.sub
            local.tee 7
            i64.const 0
            i64.lt_s
            if
              i64.const 65536
              local.set 1
              i32.const 3
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            local.get 7
            local.set 5
            local.get 8
            i64.const 1
            i64.add
            local.set 8
            local.get 8
            i64.const 4
            i64.add
            local.set 7
            local.get 7
            i64.const 12
            i64.shr_u
            local.set 9
            local.get 9
            i64.const 262144
            local.get 9
            i64.const 262144
            i64.lt_u
            select
            i32.wrap_i64
            i32.load8_u offset=3145728
            local.set 10
            local.get 7
            i32.wrap_i64
            i32.const 4095
            i32.and
            i32.const 4092
            i32.gt_u
            if
              local.get 9
              i64.const 1
              i64.add
              local.set 9
              local.get 10
              local.get 9
              i64.const 262144
              local.get 9
              i64.const 262144
              i64.lt_u
              select
              i32.wrap_i64
              i32.load8_u offset=3145728
              i32.and
              local.set 10
            end
            local.get 10
            i32.const 1
            i32.and
            i32.eqz
            if
              i64.const 65538
              local.set 1
              i32.const 6
              local.set 2
              local.get 7
              local.set 3
              br 2
            end
            local.get 7
            i32.wrap_i64
            i64.load32_s offset=16777216 align=1
            local.set 11
            i64.const 0
            local.get 11
            i64.add
            local.set 12
            i64.const 65542
            local.set 1
            i32.const 5
            local.set 2
            i64.const 0
            local.set 3
            br 1
          end
          unreachable
        end
        i32.const 0
        local.get 5
        i64.store offset=4104
        i32.const 0
        local.get 8
        i64.store offset=4432
        i32.const 0
        local.get 11
        i64.store offset=4440
        i32.const 0
        local.get 12
        i64.store offset=4448
        i32.const 0
        local.get 1
        i64.store offset=4864
        i32.const 0
        local.get 3
        i64.store offset=4096
        local.get 2
        return
      end
      i32.const 0
      local.get 5
      i64.store offset=4104
      i32.const 0
      local.get 8
      i64.store offset=4432
      i32.const 0
      local.get 11
      i64.store offset=4440
      i32.const 0
      local.get 12
      i64.store offset=4448
      i32.const 0
      local.get 1
      i64.store offset=4864
      local.get 1
      local.get 1
      i64.const 16
      i64.shr_u
      i64.xor
      i32.wrap_i64
      i32.const 1
      i32.shr_u
      i32.const 65535
      i32.and
      i32.const 4
      i32.shl
      local.tee 10
      i64.load offset=1048576
      local.get 1
      i64.eq
      if
        local.get 10
        i32.load offset=1048584
        local.tee 13
        if
          local.get 13
          return_call_indirect (type 0)
        end
      end
      i32.const 0
      i32.load offset=4140
      local.tee 13
      if
        local.get 13
        return_call_indirect (type 0)
      end
      i32.const 2
      return
    end
    i32.const 0
    local.get 5
    i64.store offset=4104
    i32.const 0
    local.get 8
    i64.store offset=4432
    i32.const 0
    local.get 11
    i64.store offset=4440
    i32.const 0
    local.get 12
    i64.store offset=4448
    i32.const 0
    local.get 1
    i64.store offset=4864
    local.get 4
    i32.load
    local.tee 14
    if
      local.get 14
      return_call_indirect (type 0)
    end
    i32.const 0
    local.get 4
    i32.const 131072
    i32.sub
    i32.const 3
    i32.shr_u
    i32.store offset=4128
    i32.const 0
    local.get 4
    i32.const 131072
    i32.sub
    i32.const 2
    i32.shr_u
    i32.const 1
    i32.and
    i32.store offset=4132
    i32.const 1
    return
    unreachable
  )
  (func (;1;) (type 0) (result i32)
    i32.const 0
    return_call 0
  )
)
