;; ret.s: TBs of one module, guest code at 0x10000
;; TB 2
;;   0x10000  addi a0,a0,-1
;;   0x10004  jal ra,10010
;; TB 3
;;   0x10010  addi a1,a1,1
;;   0x10014  jalr zero,0(ra)
;; TB 4
;;   0x10008  bne a0,zero,10000
;; TB 5
;;   0x1000c  ecall
(module
  (type (;0;) (func (result i32)))
  (type (;1;) (func (param i32) (result i32)))
  (import "env" "mem" (memory (;0;) 1))
  (import "env" "tbl" (table (;0;) 1 funcref))
  (export "2" (func 1))
  (export "3" (func 2))
  (export "4" (func 3))
  (export "5" (func 4))
  (elem (i32.const 2) func 1)
  (elem (i32.const 3) func 2)
  (elem (i32.const 4) func 3)
  (elem (i32.const 5) func 4)
  (func (;0;) (type 1) (param i32) (result i32)
    (local i64 i32 i64 i32 i64 i64 i64 i64 i64 i64 i32 i32 i32)
    i32.const 0
    i64.load offset=4104
    local.set 5
    i32.const 0
    i64.load offset=4360
    local.set 9
    i32.const 0
    i64.load offset=4432
    local.set 8
    i32.const 0
    i64.load offset=4440
    local.set 10
    block
      block
        block
          loop
            block
              block
                block
                  block
                    local.get 0
                    br_table 0 1 2 3 3
                  end
                  local.get 5
                  i64.const 2
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
                    br 5
                  end
                  local.get 7
                  local.set 5
                  local.get 8
                  i64.const -1
                  i64.add
                  local.set 8
                  i64.const 65544
                  local.set 9
                  i32.const 1
                  local.set 0
                  br 3
                end
                local.get 5
                i64.const 2
                i64.sub
                local.tee 7
                i64.const 0
                i64.lt_s
                if
                  i64.const 65552
                  local.set 1
                  i32.const 3
                  local.set 2
                  i64.const 0
                  local.set 3
                  br 4
                end
                local.get 7
                local.set 5
                local.get 10
                i64.const 1
                i64.add
                local.set 10
                local.get 9
                i64.const -2
                i64.and
                local.set 7
                i64.const 65560
                drop
                local.get 7
                i64.const 65544
                i64.eq
                if
                  i32.const 2
                  local.set 0
                  br 3
                end
                local.get 7
                local.set 1
                br 4
              end
              local.get 5
              i64.const 1
              i64.sub
              local.tee 7
              i64.const 0
              i64.lt_s
              if
                i64.const 65544
                local.set 1
                i32.const 3
                local.set 2
                i64.const 0
                local.set 3
                br 3
              end
              local.get 7
              local.set 5
              local.get 8
              i64.const 0
              i64.ne
              if
                i32.const 0
                local.set 0
                br 2
              end
              i32.const 3
              local.set 0
              br 1
            end
            local.get 5
            i64.const 1
            i64.sub
            local.tee 7
            i64.const 0
            i64.lt_s
            if
              i64.const 65548
              local.set 1
              i32.const 3
              local.set 2
              i64.const 0
              local.set 3
              br 2
            end
            local.get 7
            local.set 5
            i64.const 65548
            local.set 1
            i32.const 4
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
        local.get 9
        i64.store offset=4360
        i32.const 0
        local.get 8
        i64.store offset=4432
        i32.const 0
        local.get 10
        i64.store offset=4440
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
      local.get 9
      i64.store offset=4360
      i32.const 0
      local.get 8
      i64.store offset=4432
      i32.const 0
      local.get 10
      i64.store offset=4440
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
      local.tee 11
      i64.load offset=1048576
      local.get 1
      i64.eq
      if
        local.get 11
        i32.load offset=1048584
        local.tee 12
        if
          local.get 12
          return_call_indirect (type 0)
        end
      end
      i32.const 0
      i32.load offset=4140
      local.tee 12
      if
        local.get 12
        return_call_indirect (type 0)
      end
      i32.const 2
      return
    end
    i32.const 0
    local.get 5
    i64.store offset=4104
    i32.const 0
    local.get 9
    i64.store offset=4360
    i32.const 0
    local.get 8
    i64.store offset=4432
    i32.const 0
    local.get 10
    i64.store offset=4440
    i32.const 0
    local.get 1
    i64.store offset=4864
    local.get 4
    i32.load
    local.tee 13
    if
      local.get 13
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
  (func (;2;) (type 0) (result i32)
    i32.const 1
    return_call 0
  )
  (func (;3;) (type 0) (result i32)
    i32.const 2
    return_call 0
  )
  (func (;4;) (type 0) (result i32)
    i32.const 3
    return_call 0
  )
)
